/**
 * Text rendering of the CLI: per engine a header, then its containers grouped
 * by project (named projects sorted, standalone containers last) in aligned
 * columns; and one line per lifecycle event. Pure functions; colour is a
 * parameter so that the caller decides (TTY, `NO_COLOR`).
 *
 * @module
 */

import type { LifecycleEvent } from "../lib/events.ts";
import type { Container } from "../lib/model/container.ts";
import type { EngineSnapshot } from "./snapshot.ts";

/** How text is styled. */
export interface TextStyle {
  /** Whether to emit ANSI colour codes. */
  readonly color: boolean;
}

/** Length of a short container ID, as `docker ps` shows it. */
export const SHORT_ID_LENGTH = 12;

/** The heading of the standalone (project-less) group. */
export const STANDALONE_HEADING = "(standalone)";

const ANSI = { bold: "1", dim: "2", yellow: "33", cyan: "36", green: "32", red: "31" } as const;
type Ansi = keyof typeof ANSI;

function paint(style: TextStyle, code: Ansi, text: string): string {
  return style.color && text !== "" ? `\x1b[${ANSI[code]}m${text}\x1b[0m` : text;
}

/** The first {@linkcode SHORT_ID_LENGTH} characters of an ID. */
export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

/** The header line of an engine. */
export function renderEngineHeader(engine: EngineSnapshot, style: TextStyle): string {
  const id = engine.id === "" ? "" : `  ID ${engine.id}`;
  return `${paint(style, "bold", engine.type)} ${engine.version}${id}  API ${engine.api}`;
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

/** One engine's block: header, then the grouped, aligned container rows. */
export function renderEngine(engine: EngineSnapshot, style: TextStyle): string {
  const lines = [renderEngineHeader(engine, style)];
  if (engine.containers.length === 0) {
    lines.push("  (no alive containers)");
    return lines.join("\n") + "\n";
  }
  const nameWidth = Math.max(...engine.containers.map((c) => c.name.length));
  const pidWidth = Math.max(...engine.containers.map((c) => String(c.pid).length));
  for (const [project, containers] of groupByProject(engine.containers)) {
    lines.push("  " + (project === "" ? STANDALONE_HEADING : paint(style, "cyan", project)));
    for (const c of containers) {
      const row = `    ${c.name.padEnd(nameWidth)}  ${paint(style, "dim", shortId(c.id).padEnd(SHORT_ID_LENGTH))}  ` +
        `${String(c.pid).padStart(pidWidth)}${c.paused ? "  " + paint(style, "yellow", "paused") : ""}`;
      lines.push(row);
    }
  }
  return lines.join("\n") + "\n";
}

/** Every engine's block, separated by blank lines. */
export function renderPicture(engines: readonly EngineSnapshot[], style: TextStyle): string {
  return engines.map((e) => renderEngine(e, style)).join("\n");
}

const EVENT_COLOR: Record<LifecycleEvent["type"], Ansi> = {
  started: "green",
  exited: "red",
  paused: "yellow",
  unpaused: "cyan",
};

/**
 * What happened, as the event line says it: the event type, for exits with
 * the exit code and OOM kill where known (`exited (137, oom)`, `exited (0)`,
 * `exited`).
 */
export function eventLabel(event: LifecycleEvent): string {
  const exit = event.exit;
  if (event.type !== "exited" || !exit) return event.type;
  const details = [...(exit.code !== undefined ? [String(exit.code)] : []), ...(exit.oom ? ["oom"] : [])];
  return details.length === 0 ? "exited" : `exited (${details.join(", ")})`;
}

/** One line for a lifecycle event, showing the type of the engine it names. */
export function renderEventLine(event: LifecycleEvent, style: TextStyle): string {
  const c = event.container;
  const name = c.project === "" ? c.name : `${c.project}/${c.name}`;
  return `${event.time.toISOString()}  ${event.engine.type}  ${paint(style, EVENT_COLOR[event.type], eventLabel(event).padEnd(8))}  ` +
    `${name}  ${paint(style, "dim", shortId(c.id))}  pid ${c.pid}\n`;
}
