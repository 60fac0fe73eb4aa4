/**
 * `--watch --since`: the events an engine logged before the watch began,
 * shown as the watch's first lines. Engines that keep an event log (the
 * client has `eventLog`: Docker, podman) replay them; the others (containerd,
 * CRI) are named once.
 *
 * @module
 */

import type { LoggedEvent } from "../lib/engine.ts";
import type { LifecycleEvent } from "../lib/events.ts";
import type { Container } from "../lib/model/container.ts";
import type { OpenEngine } from "./connect.ts";

/** What `--since` found for one engine: its replayed events, that it keeps no log, or why reading it failed. */
export type Replay = { readonly events: LifecycleEvent[] } | { readonly unsupported: true } | { readonly failed: string };

/**
 * An event of the log as the watch shows it. Its container is the alive one
 * of the picture when there is one; else a record of what the log said (no
 * PID: 0, shown as `-`), since the container may be gone.
 */
export function replayedEvent(logged: LoggedEvent, engine: OpenEngine): LifecycleEvent {
  const { event } = logged;
  const alive = engine.watcher.portfolio.containerById(event.id);
  const container: Container = alive ?? {
    id: event.id,
    name: logged.name || event.id,
    labels: logged.labels,
    pid: 0,
    project: logged.project,
    paused: false,
  };
  const identity = { type: engine.watcher.type, api: engine.watcher.api, id: engine.id };
  const base = { type: event.type, container, time: new Date(event.time), engine: identity };
  if (event.type !== "exited") return base;
  const { code, oom } = event.exit ?? {};
  return { ...base, exit: { ...(code !== undefined ? { code } : {}), ...(oom ? { oom } : {}), time: new Date(event.time) } };
}

/** The events `engine` logged since `since` (ms since the epoch), or that it keeps no log. */
export async function replay(engine: OpenEngine, since: number, signal: AbortSignal): Promise<Replay> {
  const client = engine.watcher.engine;
  if (client.eventLog === undefined) return { unsupported: true };
  const logged = await client.eventLog(since, signal);
  return { events: logged.map((l) => replayedEvent(l, engine)) };
}
