/**
 * The CLI's commands that open engines: the picture (text or `--json`), the
 * `--watch` follow and `pid PID`. Imported by cli/main.ts only once the
 * command line asks for engines, so that `--help`, `--version` and usage
 * errors load none of this (nor the watcher and the engine clients it
 * imports).
 *
 * @module
 */

import process from "node:process";
import { EnginePermissionError } from "../lib/errors.ts";
import { runtime } from "../lib/runtime.ts";
import { ALL_ENGINES } from "./args.ts";
import type { CliOptions } from "./args.ts";
import { missingEnvGrants, openEngines } from "./connect.ts";
import type { OpenEngine } from "./connect.ts";
import { EXIT_FAILURE, EXIT_NO_CONTAINER, EXIT_OK, EXIT_UNREACHABLE } from "./exit-codes.ts";
import { describeError, renderFailures, renderSkipped, renderUnreadableEnv } from "./failure.ts";
import type { LifecycleEvent } from "../lib/events.ts";
import { replay } from "./replay.ts";
import type { Replay } from "./replay.ts";
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
  // Read before subscribing: the log ends where the picture and the live events begin.
  const replays = options.since === undefined ? [] : await Promise.all(engines.map((e) => replay(e, options.since!, stop.signal)
    .catch((error: unknown): Replay => ({ failed: describeError(error).split("\n")[0]! }))));
  // Subscribing in the same synchronous step as taking the picture: no event is missed or repeated.
  const subscriptions = engines.map((e) => e.watcher.events({ signal: stop.signal }));
  const picture = engines.map(snapshot);
  await out(presentPicture(picture, options, style, true));
  if (stderrIsTerminal()) {
    await err(`watching ${engines.length} ${engines.length === 1 ? "engine" : "engines"}… (Ctrl-C to stop)\n`);
  }
  const presenter = new EventPresenter(picture, options, style);
  const replayed: Array<{ event: LifecycleEvent; kind: string }> = [];
  for (const [i, r] of replays.entries()) {
    const engine = engines[i]!;
    if ("events" in r) replayed.push(...r.events.map((event) => ({ event, kind: engine.kind })));
    else {
      const why = "unsupported" in r ? "keeps no event log" : `did not give its event log (${r.failed})`;
      await err(`whalewatcher: ${engine.watcher.type} at ${engine.watcher.api} ${why}: --since shows its events from now on\n`);
    }
  }
  replayed.sort((a, b) => a.event.time.getTime() - b.event.time.getTime());
  for (const { event, kind } of replayed) await out(presenter.present(event, kind, true));
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
 * Opens the engines `options` select and runs the command on them (picture,
 * watch or pid); resolves the exit code and closes every watcher it opened.
 *
 * @example
 * ```ts ignore
 * import { parseArgs } from "./args.ts";
 * const code = await runOnEngines(parseArgs(["--json"]));
 * ```
 */
export async function runOnEngines(options: CliOptions): Promise<number> {
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
  await err(renderUnreadableEnv(missingEnvGrants(options)));
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

