/**
 * Text rendering of the CLI picture: per engine a short header, a row of
 * column headings (NAME, ID, PID, STATE, IMAGE), then the containers grouped
 * by project (named projects sorted, standalone containers last) in aligned
 * columns, fitted to the terminal's width. Pure functions; colour, width,
 * truncation and the clock are parameters so that the caller decides.
 *
 * @module
 */

import type { Container } from "../lib/model/container.ts";
import { detailsOf } from "../lib/model/details.ts";
import type { EngineSnapshot } from "./snapshot.ts";
import { fit, paint } from "./style.ts";
import type { TextStyle } from "./style.ts";

export type { TextStyle } from "./style.ts";

/** Length of a short container ID, as `docker ps` shows it. */
export const SHORT_ID_LENGTH = 12;

/** The heading of the standalone (project-less) group. */
export const STANDALONE_HEADING = "(standalone)";

/**
 * The short form of a container ID: its first {@linkcode SHORT_ID_LENGTH}
 * characters, after a namespace prefix (`ns/`) if it has one.
 */
export function shortId(id: string): string {
  const slash = id.lastIndexOf("/");
  return id.slice(0, slash + 1) + id.slice(slash + 1, slash + 1 + SHORT_ID_LENGTH);
}

/**
 * The short form of an engine ID: whole groups (separated by `:` or `-`)
 * until at least {@linkcode SHORT_ID_LENGTH} characters, e.g.
 * `ETN3:T7WH:BI3K` or `562359d7-53a9`.
 */
export function shortEngineId(id: string): string {
  if (id.length <= SHORT_ID_LENGTH + 2) return id;
  let short = "";
  for (const part of id.split(/(?=[:-])/)) {
    short += part;
    if (short.length >= SHORT_ID_LENGTH) return short;
  }
  return short.slice(0, SHORT_ID_LENGTH);
}

/** The header line of an engine: type, version, short engine ID and API. */
export function renderEngineHeader(engine: EngineSnapshot, style: TextStyle): string {
  const id = engine.id === "" ? "" : `  ID ${style.noTrunc ? engine.id : shortEngineId(engine.id)}`;
  const rest = ` ${engine.version}${id}  API ${engine.api}`;
  const room = style.width === undefined ? undefined : style.width - engine.type.length;
  return paint(style, "bold", engine.type) + (room === undefined ? rest : fit(rest, Math.max(room, 1)));
}

/** Groups sorted containers by project: named projects in name order, standalone last. */
export function groupByProject(containers: readonly Container[]): Array<[project: string, containers: Container[]]> {
  const groups = new Map<string, Container[]>();
  for (const c of containers) {
    let group = groups.get(c.project);
    if (!group) groups.set(c.project, group = []);
    group.push(c);
  }
  const named = [...groups.keys()].filter((p) => p !== "").sort();
  const ordered: Array<[string, Container[]]> = named.map((p) => [p, groups.get(p)!]);
  const standalone = groups.get("");
  if (standalone) ordered.push(["", standalone]);
  return ordered;
}

const UNITS: ReadonlyArray<readonly [unit: string, seconds: number, below: number]> = [
  ["second", 1, 60],
  ["minute", 60, 60 * 60],
  ["hour", 60 * 60, 48 * 60 * 60],
  ["day", 24 * 60 * 60, Infinity],
];

/** A duration in words, as `docker ps` says uptimes: `0 seconds`, `1 second`, `5 minutes`, `3 hours`, `2 days`. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const [unit, size] = UNITS.find(([, , below]) => seconds < below)!;
  const n = Math.floor(seconds / size);
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** The STATE cell: `running` or `paused`, with the uptime when the engine said when the container started. */
export function stateText(container: Container, now: Date): string {
  const state = container.paused ? "paused" : "running";
  const { started } = detailsOf(container);
  return started === undefined ? state : `${state}, up ${humanDuration(now.getTime() - started.getTime())}`;
}

/**
 * The ID cell: the short ID (the full one with `--no-trunc`), empty when the
 * container's name is its ID (containerd without a name label), so that the
 * row does not say it twice.
 */
export function idText(container: Container, style: TextStyle): string {
  if (container.name === container.id) return "";
  return style.noTrunc ? container.id : shortId(container.id);
}

const HEADINGS = ["NAME", "ID", "PID", "STATE", "IMAGE"] as const;
const INDENT = "    ";
const GAP = "  ";
/**
 * How columns give way when a row is wider than the terminal, in order:
 * `[column, narrowest]` — IMAGE to 8, NAME to 12, STATE to 7 (the uptime
 * goes first), then IMAGE and NAME to 5. ID and PID are never cut.
 */
const SHRINK_STEPS: ReadonlyArray<readonly [column: number, narrowest: number]> = [[4, 8], [0, 12], [3, 7], [4, 5], [0, 5]];

function cells(c: Container, style: TextStyle, now: Date): string[] {
  return [c.name, idText(c, style), String(c.pid), stateText(c, now), detailsOf(c).image ?? ""];
}

/** Column widths for `rows`, narrowed by {@linkcode SHRINK_STEPS} to fit `style.width`. */
function columnWidths(rows: readonly string[][], style: TextStyle): number[] {
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  if (style.width === undefined) return widths;
  const total = (): number => INDENT.length + widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  for (const [i, narrowest] of SHRINK_STEPS) {
    const excess = total() - style.width;
    if (excess <= 0) break;
    widths[i] = Math.max(Math.min(narrowest, widths[i]!), widths[i]! - excess);
  }
  return widths;
}

function row(values: readonly string[], widths: readonly number[], paints: ReadonlyArray<(s: string) => string>): string {
  const last = values.length - 1;
  const parts = values.map((v, i) => {
    const cell = fit(v, widths[i]!);
    const pad = " ".repeat(i === last ? 0 : widths[i]! - cell.length);
    // Padding stays outside the colour, so that a coloured cell is the value only.
    return i === 2 ? pad + paints[i]!(cell) : paints[i]!(cell) + pad;
  });
  return (INDENT + parts.join(GAP)).trimEnd();
}

/** One engine's block: header, column headings, then the grouped, aligned container rows. */
export function renderEngine(engine: EngineSnapshot, style: TextStyle): string {
  const lines = [renderEngineHeader(engine, style)];
  if (engine.containers.length === 0) {
    lines.push("  (no alive containers)");
    return lines.join("\n") + "\n";
  }
  const now = style.now ?? new Date();
  const rows = new Map(engine.containers.map((c) => [c, cells(c, style, now)]));
  const widths = columnWidths([...rows.values()], style);
  const plain = (s: string): string => s;
  lines.push(row(HEADINGS, widths, HEADINGS.map(() => (s: string) => paint(style, "bold", s))));
  for (const [project, containers] of groupByProject(engine.containers)) {
    lines.push("  " + (project === "" ? STANDALONE_HEADING : paint(style, "cyan", project)));
    for (const c of containers) {
      const state = (s: string): string => paint(style, c.paused ? "yellow" : "green", s);
      lines.push(row(rows.get(c)!, widths, [plain, (s) => paint(style, "dim", s), plain, state, plain]));
    }
  }
  // Below the columns' narrowest (ID and PID are never cut), the lines themselves are cut to the width.
  const width = style.width;
  return (width === undefined ? lines : lines.map((l) => fit(l, width))).join("\n") + "\n";
}

/** Every engine's block, separated by blank lines. */
export function renderPicture(engines: readonly EngineSnapshot[], style: TextStyle): string {
  return engines.map((e) => renderEngine(e, style)).join("\n");
}
