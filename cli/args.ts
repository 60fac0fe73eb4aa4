/**
 * Command-line argument parsing for the `whalewatcher` CLI: pure, no I/O, so
 * that every accepted and rejected form is unit-testable. The engines, their
 * endpoint options and the usage text come from the engine registry
 * (`engines/registry.ts`); nothing here names an engine.
 *
 * @module
 */

import { defaultEndpointsText, ENGINE_REGISTRY } from "../engines/registry.ts";
import type { EngineRegistry } from "../engines/registry.ts";
import { parseFilter } from "./filter.ts";
import type { Filter } from "./filter.ts";
import { parseTemplate } from "./format.ts";
import { parseSince } from "./since.ts";
import type { Template } from "./format.ts";
import { UsageError } from "./usage-error.ts";

export { UsageError } from "./usage-error.ts";

/** Which engines the CLI asks: the name of a registry entry, or `all`. */
export type EngineSelection = string;

/** The selection meaning every engine of the registry. */
export const ALL_ENGINES = "all";

/** What the user asked for. */
export interface CliOptions {
  /**
   * `help`/`version` print and exit; `show` prints the picture (and with
   * `watch` follows it); `engines` lists the discovery report; `pid` tells
   * which container process {@linkcode CliOptions.pid} is in.
   */
  readonly command: "show" | "help" | "version" | "engines" | "pid";
  /** The process `whalewatcher pid PID` asks about; only with command `pid`. */
  readonly pid?: number;
  /** Engines to ask: a registry entry's name, or {@linkcode ALL_ENGINES} for every engine that answers. */
  readonly engine: EngineSelection;
  /**
   * The endpoints given on the command line, by engine name (only those
   * given); an engine without one is looked for where its registry entry says.
   */
  readonly endpoints: Readonly<Record<string, string>>;
  /** JSON (and NDJSON events) instead of text. */
  readonly json: boolean;
  /** Keep following lifecycle events until interrupted. */
  readonly watch: boolean;
  /** `--filter`s, in the order given: which containers and events are shown (see `filter.ts`). */
  readonly filters: readonly Filter[];
  /** `-q`/`--quiet`: container IDs only, one per line. */
  readonly quiet: boolean;
  /** `--no-trunc`: full container and engine IDs. */
  readonly noTrunc: boolean;
  /** `--format TEMPLATE`: one line per container (or event) from the template (see `format.ts`). */
  readonly format?: Template | undefined;
  /** `--since`: with `watch`, first replay the events engines logged since this time (ms since the epoch). */
  readonly since?: number | undefined;
  /** `--proc DIR`: the /proc tree discovery scans for engine processes (e.g. a host's /proc mounted elsewhere). */
  readonly procRoot?: string | undefined;
}

/** The values `--engine` accepts: every registry entry's name, then `all`. */
export function engineChoices(registry: EngineRegistry = ENGINE_REGISTRY): string[] {
  return [...registry.map((kind) => kind.name), ALL_ENGINES];
}

const WIDTH = 100;

/** Formats option rows as two columns, wrapping descriptions at {@linkcode WIDTH} characters. */
function optionRows(rows: ReadonlyArray<readonly [string, string]>): string {
  const column = Math.max(...rows.map(([option]) => option.length)) + 4;
  const lines: string[] = [];
  for (const [option, description] of rows) {
    let line = `  ${option}`.padEnd(column);
    let fresh = true;
    for (const word of description.split(" ")) {
      if (!fresh && line.length + 1 + word.length > WIDTH) {
        lines.push(line);
        line = " ".repeat(column);
        fresh = true;
      }
      line += fresh ? word : ` ${word}`;
      fresh = false;
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/** The usage text for the engines of `registry`, as `--help` prints it. */
export function usage(registry: EngineRegistry = ENGINE_REGISTRY): string {
  const rows: Array<readonly [string, string]> = [
    [`--engine ${engineChoices(registry).join("|")}`, `engines to ask (default: ${ALL_ENGINES}: every engine found on ` +
      "this host, each once: configured, at well-known places and, where /proc is readable, by its process; " +
      "with an endpoint option: the kinds' default places)"],
    ...registry.map((kind) =>
      [`${kind.flag.name} ${kind.flag.value}`, `${kind.flag.description} (default: ${defaultEndpointsText(kind)})`] as const
    ),
    ["--proc DIR", "the /proc tree scanned for engine processes by --engine all and `engines` (default: /proc)"],
    ["--json", "one JSON document; with --watch: NDJSON, one event per line"],
    ["--watch", "after the picture, print one line per lifecycle event until Ctrl-C; with --engine all also " +
      "engine-appeared/engine-vanished lines as engines start and stop for good"],
    ["--since DURATION|TIME", "with --watch: first replay the events engines logged since then (10m, 1h30m, " +
      "2026-01-02T15:04:05Z, a Unix time); Docker and podman keep a log, containerd and CRI do not"],
    ["--filter KEY=VALUE", "show only matching containers and events (repeatable): label=K, label=K=V, name=PART, " +
      "project=P, engine=NAME|TYPE, state=running|paused"],
    ["-q, --quiet", "print container IDs only, one per line"],
    ["--format TEMPLATE", "print each container (or event) as TEMPLATE, e.g. '{{.ID}}\\t{{.Name}}' (fields of --json)"],
    ["--no-trunc", "show full container and engine IDs"],
    ["--help", "show this help"],
    ["--version", "show the version"],
  ];
  return `Usage: whalewatcher [options]
       whalewatcher pid PID [options]
       whalewatcher engines [--json]

Shows the alive (running or paused) containers of the local container
engines, grouped by composer project; with --watch follows their lifecycle.
\`pid PID\` tells which alive container the host process PID belongs to;
\`engines\` lists every engine candidate found on this host and what became of it.

Options:
${optionRows(rows)}

Exit codes: 0 success, 1 the watch broke for good, 2 engine unreachable,
3 (pid) the process is in no alive container, 64 usage error.
`;
}

/** The usage text printed by `--help` and after usage errors. */
export const USAGE: string = usage();

const FLAG_OPTIONS = new Set(["--json", "--watch", "--help", "-h", "--version", "-V", "--quiet", "-q", "--no-trunc"]);

/**
 * Parses the arguments after the program name. Accepts `--opt value` and
 * `--opt=value`; a repeated option keeps its last value (`--filter` adds
 * one filter each time). `registry` supplies
 * the engines and their endpoint options; `now` is the clock `--since` counts back from.
 *
 * @throws {UsageError} for unknown options, missing or invalid values and positional arguments.
 */
export function parseArgs(argv: readonly string[], registry: EngineRegistry = ENGINE_REGISTRY, now: Date = new Date()): CliOptions {
  const endpointOf = new Map(registry.map((kind) => [kind.flag.name, kind.name]));
  const valueOptions = new Set(["--engine", "--filter", "--format", "--since", "--proc", ...endpointOf.keys()]);
  const values = new Map<string, string>();
  const filters: Filter[] = [];
  const flags = new Set<string>();
  const positional: string[] = [];
  // `whalewatcher engines`: the discovery report instead of the picture.
  const engines = argv[0] === "engines";
  for (let i = engines ? 1 : 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (valueOptions.has(name)) {
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      if (name === "--filter") filters.push(parseFilter(value));
      else values.set(name, value);
    } else if (FLAG_OPTIONS.has(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.add(name);
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${name}`);
    } else {
      positional.push(arg);
    }
  }
  const pid = pidCommand(positional);
  const choices = engineChoices(registry);
  const engine = values.get("--engine") ?? ALL_ENGINES;
  if (!choices.includes(engine)) {
    throw new UsageError(`--engine must be one of ${choices.join(", ")}, got ${JSON.stringify(engine)}`);
  }
  const endpoints: Record<string, string> = {};
  for (const [flag, kind] of endpointOf) {
    const value = values.get(flag);
    if (value !== undefined) endpoints[kind] = value;
  }
  const command = flags.has("--help") || flags.has("-h")
    ? "help"
    : flags.has("--version") || flags.has("-V")
    ? "version"
    : engines
    ? "engines"
    : pid !== undefined
    ? "pid"
    : "show";
  if (command === "pid" && flags.has("--watch")) throw new UsageError("pid takes no --watch");
  const sinceValue = values.get("--since");
  if (sinceValue !== undefined && !flags.has("--watch")) throw new UsageError("--since goes with --watch");
  const since = sinceValue === undefined ? undefined : parseSince(sinceValue, now);
  const json = flags.has("--json");
  const quiet = flags.has("--quiet") || flags.has("-q");
  const template = values.get("--format");
  const outputs = [json && "--json", quiet && "--quiet", template !== undefined && "--format"].filter(Boolean);
  if (outputs.length > 1) throw new UsageError(`${outputs.join(" and ")} cannot be combined: pick one output form`);
  return {
    command,
    engine,
    endpoints,
    json,
    watch: flags.has("--watch"),
    filters,
    quiet,
    noTrunc: flags.has("--no-trunc"),
    ...(template !== undefined ? { format: parseTemplate(template) } : {}),
    ...(pid !== undefined ? { pid } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(values.has("--proc") ? { procRoot: values.get("--proc") } : {}),
  };
}

/** The PID of `pid PID`; `undefined` without positional arguments. */
function pidCommand(positional: readonly string[]): number | undefined {
  if (positional.length === 0) return undefined;
  const [word, value, ...rest] = positional;
  if (word !== "pid") throw new UsageError(`unexpected argument ${JSON.stringify(word)}`);
  if (value === undefined) throw new UsageError("pid needs a process ID");
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const pid = Number(value);
  if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(pid)) {
    throw new UsageError(`pid needs a process ID (a positive integer), got ${JSON.stringify(value)}`);
  }
  return pid;
}
