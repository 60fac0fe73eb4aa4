/**
 * The `whalewatcher` command: shows the alive containers of the selected
 * engines (text or `--json`) and with `--watch` follows their lifecycle
 * events until SIGINT/SIGTERM. Returns the exit code instead of exiting, so
 * that each entry point (mod.ts under Deno/Bun, the npm bin under Node)
 * decides how to exit.
 *
 * @module
 */

import process from "node:process";
import { EnginePermissionError } from "../lib/errors.ts";
import { runtime } from "../lib/runtime.ts";
import { ALL_ENGINES, parseArgs, USAGE, UsageError } from "./args.ts";
import { listEngines } from "./engines.ts";
import type { CliOptions } from "./args.ts";
import type { OpenEngine } from "./connect.ts";
import { renderFailures, renderSkipped, renderUnreadableEnv } from "./failure.ts";
import { cliLogger } from "./log.ts";
import { err, out, stdoutClosed } from "./output.ts";
import { EventPresenter, presentPicture } from "./present.ts";
import { ContainerLocator } from "../lib/container-of.ts";
import { renderPidJson, renderPidText } from "./pid.ts";
import type { HostWatcher } from "../lib/host-watcher.ts";
import { sortedContainers } from "./snapshot.ts";
import type { EngineSnapshot } from "./snapshot.ts";
import type { TextStyle } from "./style.ts";
import { colorWanted, stderrIsTerminal, stdoutIsTerminal, terminalWidth } from "./terminal.ts";
import { VERSION } from "./version.ts";

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: an unexpected failure (e.g. a watch that broke). */
export const EXIT_FAILURE = 1;
/** Exit code: a requested engine (with `--engine all`: every engine) is unreachable. */
export const EXIT_UNREACHABLE = 2;
/** Exit code: `pid PID` — the process is in no alive container (or does not exist). */
export const EXIT_NO_CONTAINER = 3;
/** Exit code: bad command line (BSD `EX_USAGE`). */
export const EXIT_USAGE = 64;

function snapshot(engine: OpenEngine): EngineSnapshot {
  const { watcher } = engine;
  return {
    kind: engine.kind,
    type: watcher.type,
    api: watcher.api,
    id: engine.id,
    version: engine.version,
    containers: sortedContainers(watcher.portfolio),
  };
}

/** Resolves when SIGINT or SIGTERM arrives (or `signal` aborts); removes its handlers then. */
function interrupted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
    signal.addEventListener("abort", done);
  });
}

async function follow(engines: readonly OpenEngine[], options: CliOptions, style: TextStyle): Promise<number> {
  const stop = new AbortController();
  const stopped = interrupted(stop.signal);
  // Subscribing in the same synchronous step as taking the picture: no event is missed or repeated.
  const subscriptions = engines.map((e) => e.watcher.events({ signal: stop.signal }));
  const picture = engines.map(snapshot);
  await out(presentPicture(picture, options, style, true));
  if (stderrIsTerminal()) {
    await err(`watching ${engines.length} ${engines.length === 1 ? "engine" : "engines"}… (Ctrl-C to stop)\n`);
  }
  const presenter = new EventPresenter(picture, options, style);
  let code = EXIT_OK;
  const pumps = engines.map(async (engine, i) => {
    const type = engine.watcher.type;
    try {
      for await (const event of subscriptions[i]!) {
        await out(presenter.present(event, engine.kind));
      }
    } catch (error) {
      if (stop.signal.aborted) return;
      await err(`whalewatcher: watching ${type} at ${engine.watcher.api} failed: ${String(error)}\n`);
      code = EXIT_FAILURE;
      stop.abort();
    }
  });
  await Promise.race([stopped, stdoutClosed]);
  stop.abort();
  await Promise.all(pumps);
  return code;
}

/** `--watch` over the discovered engines: container events of each, and engines appearing and vanishing. */
async function followHost(host: HostWatcher, picture: readonly EngineSnapshot[], options: CliOptions, style: TextStyle): Promise<number> {
  const { EngineKinds, engineEventLine } = await import("./host.ts");
  const stop = new AbortController();
  const stopped = interrupted(stop.signal);
  // Subscribed before the picture is printed and the rescans start: no event is missed or repeated.
  const events = host.events({ signal: stop.signal });
  const kinds = new EngineKinds(host.engines().map((view) => view.engine));
  await out(presentPicture(picture, options, style, true));
  if (stderrIsTerminal()) {
    await err(`watching ${picture.length} ${picture.length === 1 ? "engine" : "engines"} and the host for more… (Ctrl-C to stop)\n`);
  }
  const presenter = new EventPresenter(picture, options, style);
  let code = EXIT_OK;
  const watching = host.watch(stop.signal).catch(async (error: unknown) => {
    if (stop.signal.aborted) return;
    await err(`whalewatcher: scanning the host for engines failed: ${String(error)}\n`);
    code = EXIT_FAILURE;
    stop.abort();
  });
  const pump = (async () => {
    try {
      for await (const event of events) {
        const kind = kinds.note(event);
        await out(event.type === "container" ? presenter.present(event.event, kind) : engineEventLine(event, options, style));
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();
  await Promise.race([stopped, stdoutClosed, pump]);
  stop.abort();
  await Promise.all([pump, watching]);
  return code;
}

/** The default run: the engines discovery finds; `undefined` when it finds none (the caller then explains the default places). */
async function showHost(options: CliOptions, style: TextStyle): Promise<number | undefined> {
  const { cliHostWatcher, hostSnapshot, openHost } = await import("./host.ts");
  const host = cliHostWatcher(options, options.watch ? cliLogger(err) : undefined);
  try {
    const { synced, failures } = await openHost(host);
    if (synced.length === 0) return undefined;
    if (failures.length > 0) await err(renderSkipped(failures));
    if (options.command === "pid") {
      const found = await host.containerOf(options.pid!);
      await out(options.json ? renderPidJson(options.pid!, found) : renderPidText(options.pid!, found));
      return found === undefined ? EXIT_NO_CONTAINER : EXIT_OK;
    }
    const picture = synced.map(hostSnapshot);
    if (options.watch) return await followHost(host, picture, options, style);
    await out(presentPicture(picture, options, style));
    return EXIT_OK;
  } finally {
    await host.close();
  }
}

async function showPid(engines: readonly OpenEngine[], options: CliOptions): Promise<number> {
  const pid = options.pid!;
  const found = await new ContainerLocator(() => engines.map((e) => e.watcher)).containerOf(pid);
  await out(options.json ? renderPidJson(pid, found) : renderPidText(pid, found));
  return found === undefined ? EXIT_NO_CONTAINER : EXIT_OK;
}

/**
 * Runs the CLI with the arguments after the program name and resolves the
 * exit code. Output goes to `process.stdout`/`process.stderr`.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await err(`whalewatcher: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (options.command === "help") {
    await out(USAGE);
    return EXIT_OK;
  }
  if (options.command === "version") {
    await out(`whalewatcher ${VERSION}\n`);
    return EXIT_OK;
  }
  if (options.command === "engines") return await listEngines(options);
  const style: TextStyle = {
    color: !options.json && colorWanted(),
    width: terminalWidth(),
    noTrunc: options.noTrunc,
    localTime: stdoutIsTerminal(),
  };
  const { discoveryWanted } = await import("./host.ts");
  if (discoveryWanted(options)) {
    const code = await showHost(options, style);
    if (code !== undefined) return code;
  }
  // imported here: --help and --version never load the watcher and the engine clients
  const { missingEnvGrants, openEngines } = await import("./connect.ts");
  await err(renderUnreadableEnv(await missingEnvGrants(options)));
  const { open, failures } = await openEngines(options, options.watch ? { logger: cliLogger(err) } : {});
  try {
    if (open.length === 0 || (options.engine !== ALL_ENGINES && failures.length > 0)) {
      await err(renderFailures(failures, runtime));
      return EXIT_UNREACHABLE;
    }
    // With `all`, a missing engine is noted in a line and skipped; one that refuses us gets the full message.
    const refused = failures.filter((f) => f.error instanceof EnginePermissionError);
    const missing = failures.filter((f) => !(f.error instanceof EnginePermissionError));
    if (missing.length > 0) await err(renderSkipped(missing));
    if (refused.length > 0) await err(renderFailures(refused, runtime));
    if (options.command === "pid") return await showPid(open, options);
    if (options.watch) return await follow(open, options, style);
    await out(presentPicture(open.map(snapshot), options, style));
    return EXIT_OK;
  } finally {
    await Promise.all(open.map((e) => e.watcher.close()));
  }
}

/**
 * Runs {@linkcode main} on the process arguments and exits with its code;
 * the entry points call this.
 */
export async function runMain(): Promise<never> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    await err(`whalewatcher: unexpected error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    code = EXIT_FAILURE;
  }
  // Exit explicitly: the CLI is done even if some runtime keeps a handle alive for a moment.
  process.exit(code);
}
