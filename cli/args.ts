/**
 * Command-line argument parsing for the `whalewatcher` CLI: pure, no I/O, so
 * that every accepted and rejected form is unit-testable.
 *
 * @module
 */

/** Which engines the CLI asks. */
export type EngineSelection = "docker" | "containerd" | "all";

/** What the user asked for. */
export interface CliOptions {
  /** `help`/`version` print and exit; `show` prints the picture (and with `watch` follows it). */
  readonly command: "show" | "help" | "version";
  /** Engines to ask; `all` shows every engine that answers. */
  readonly engine: EngineSelection;
  /** Docker API address; `undefined`: `DOCKER_HOST`, else the Docker CLI context, else the default socket. */
  readonly dockerHost: string | undefined;
  /** containerd socket path; `undefined`: the default socket. */
  readonly containerd: string | undefined;
  /** JSON (and NDJSON events) instead of text. */
  readonly json: boolean;
  /** Keep following lifecycle events until interrupted. */
  readonly watch: boolean;
}

/** A command line the CLI cannot accept; the CLI prints the message and the usage text and exits 64. */
export class UsageError extends Error {
  /** Creates the error with a message naming the offending argument. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The usage text printed by `--help` and after usage errors. */
export const USAGE: string = `Usage: whalewatcher [options]

Shows the alive (running or paused) containers of the local container
engines, grouped by composer project; with --watch follows their lifecycle.

Options:
  --engine docker|containerd|all  engines to ask (default: all, showing every engine that answers)
  --docker-host URL               Docker API address (default: $DOCKER_HOST, else the docker context,
                                  else unix:///var/run/docker.sock)
  --containerd PATH               containerd socket (default: /run/containerd/containerd.sock)
  --json                          one JSON document; with --watch: NDJSON, one event per line
  --watch                         after the picture, print one line per lifecycle event until Ctrl-C
  --help                          show this help
  --version                       show the version

Exit codes: 0 success, 2 engine unreachable, 64 usage error.
`;

const ENGINES: readonly EngineSelection[] = ["docker", "containerd", "all"];
const VALUE_OPTIONS = new Set(["--engine", "--docker-host", "--containerd"]);
const FLAG_OPTIONS = new Set(["--json", "--watch", "--help", "-h", "--version", "-V"]);

/**
 * Parses the arguments after the program name. Accepts `--opt value` and
 * `--opt=value`; a repeated option keeps its last value.
 *
 * @throws {UsageError} for unknown options, missing or invalid values and positional arguments.
 */
export function parseArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_OPTIONS.has(name)) {
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      values.set(name, value);
    } else if (FLAG_OPTIONS.has(name)) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flags.add(name);
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${name}`);
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  const engine = values.get("--engine") ?? "all";
  if (!ENGINES.includes(engine as EngineSelection)) {
    throw new UsageError(`--engine must be one of ${ENGINES.join(", ")}, got ${JSON.stringify(engine)}`);
  }
  const dockerHost = values.get("--docker-host");
  const containerd = values.get("--containerd");
  const command = flags.has("--help") || flags.has("-h") ? "help" : flags.has("--version") || flags.has("-V") ? "version" : "show";
  return {
    command,
    engine: engine as EngineSelection,
    dockerHost,
    containerd,
    json: flags.has("--json"),
    watch: flags.has("--watch"),
  };
}
