/**
 * The interface between engine clients (Docker, containerd, …) and the
 * engine-neutral watcher core. Nothing in `lib/` knows a concrete engine.
 *
 * @module
 */

import type { Container } from "./model/container.ts";

/**
 * Marks an exit event whose engine does not say which composer project the
 * container belonged to; the core then looks the container up by ID.
 *
 * @example An exit whose engine does not name the project
 * ```ts
 * import { type EngineEvent, PROJECT_UNKNOWN } from "@whalewatcher/whalewatcher";
 *
 * const exit: EngineEvent = { type: "exited", id: "4f1c", project: PROJECT_UNKNOWN, time: Date.now(), exit: { code: 0 } };
 * console.assert(exit.type === "exited" && exit.project === PROJECT_UNKNOWN);
 * ```
 */
export const PROJECT_UNKNOWN: unique symbol = Symbol("whalewatcher.projectUnknown");

/**
 * What an engine reports about an exit. Absent fields are unknown.
 * Times are engine times in milliseconds since the epoch.
 *
 * @example What a client reports about an exit
 * ```ts
 * import type { EngineExit } from "@whalewatcher/whalewatcher";
 *
 * const killed: EngineExit = { code: 137, oom: true, time: Date.parse("2026-12-02T10:00:00Z") };
 * console.log(killed.code, killed.oom, new Date(killed.time!).toISOString());
 * ```
 */
export interface EngineExit {
  /** The exit code of the container's initial process. */
  readonly code?: number;
  /** `true` when the engine reported an OOM kill (engines report kills, not their absence). */
  readonly oom?: boolean;
  /** When the container exited. */
  readonly time?: number;
}

/**
 * A container lifecycle event as reported by an engine, before the core folds it in.
 *
 * @example Read an engine's raw events, before any watcher
 * ```ts
 * import { DockerClient, type EngineEvent } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient();
 * const signal = AbortSignal.timeout(300);
 * const stream = client.lifecycleEvents({ signal });
 * await stream.subscribed;
 * const seen: EngineEvent[] = [];
 * for await (const event of stream) seen.push(event);
 * console.log(seen.map((e) => `${e.type} ${e.id}`));
 * ```
 */
export type EngineEvent =
  | {
    /** The container's initial process started; the core inspects it for details. */
    readonly type: "started";
    /** Container ID. */
    readonly id: string;
    /** Engine time of the event in milliseconds since the epoch. */
    readonly time: number;
  }
  | {
    /** The container's initial process exited. */
    readonly type: "exited";
    /** Container ID. */
    readonly id: string;
    /** The project when the engine tells it, else {@linkcode PROJECT_UNKNOWN}. */
    readonly project: string | typeof PROJECT_UNKNOWN;
    /** Engine time of the exit in milliseconds since the epoch. */
    readonly time: number;
    /** Exit code and OOM kill as the engine reports them (`time` is the event's). Absent: unknown. */
    readonly exit?: EngineExit;
    /**
     * Host PID of the process that exited, where the engine says it (containerd). An exit of
     * another instance than the one known under this ID (a late exit of the instance before a
     * restart) then changes nothing; without it, the exit applies to whatever instance is known.
     */
    readonly pid?: number;
  }
  | {
    /** The container was frozen or thawed. */
    readonly type: "paused" | "unpaused";
    /** Container ID. */
    readonly id: string;
    /** Engine time of the event in milliseconds since the epoch. */
    readonly time: number;
  };

/**
 * A live subscription to an engine's container lifecycle events.
 *
 * Iterating it yields events until the signal passed to
 * {@linkcode LifecycleEventsOptions.signal} aborts (iteration then ends
 * quietly) or the connection is lost (iteration throws). Breaking out of the
 * iteration cancels the subscription.
 *
 * @example Subscribe first, then list: nothing falls between the two
 * ```ts
 * import { ContainerdClient, type EventStream } from "@whalewatcher/whalewatcher";
 *
 * await using client = new ContainerdClient();
 * const stop = new AbortController();
 * const stream: EventStream = client.lifecycleEvents({ signal: stop.signal });
 * await stream.subscribed;
 * const alive = await client.list(); // every change after this list arrives on the stream
 * console.log(alive.length, "alive");
 * stop.abort();
 * for await (const event of stream) console.log(event.type, event.id); // ends quietly once aborted
 * ```
 */
export interface EventStream extends AsyncIterable<EngineEvent> {
  /**
   * Settles once every event that happens from now on is certain to be
   * delivered by this stream, so that a list taken afterwards cannot miss an
   * event ("subscribe first, then list"). Rejects when subscribing failed.
   */
  readonly subscribed: Promise<void>;
}

/**
 * Options of {@linkcode EngineClient.lifecycleEvents}.
 *
 * @example Replay what happened in the last minute (Docker keeps an event log)
 * ```ts
 * import { DockerClient, type LifecycleEventsOptions } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient();
 * const options: LifecycleEventsOptions = { signal: AbortSignal.timeout(300), since: Date.now() - 60_000 };
 * for await (const event of client.lifecycleEvents(options)) console.log(new Date(event.time).toISOString(), event.type, event.id);
 * ```
 */
export interface LifecycleEventsOptions {
  /** Ends the subscription when aborted. */
  signal: AbortSignal;
  /** Replay events since this engine time (ms since the epoch) where the engine can. */
  since?: number;
}

/**
 * A lifecycle event from an engine's event log, with what the log says of
 * its container (which may be gone since: no PID, no live state).
 *
 * @example What happened on Docker in the last ten minutes
 * ```ts
 * import { DockerClient, type LoggedEvent } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient();
 * const log: LoggedEvent[] = (await client.eventLog?.(Date.now() - 600_000)) ?? [];
 * for (const { event, name, project } of log) console.log(new Date(event.time).toISOString(), event.type, name, project);
 * ```
 */
export interface LoggedEvent {
  /** The event. */
  readonly event: EngineEvent;
  /** The container's name as the log gives it; `""` when it does not. */
  readonly name: string;
  /** The container's labels as the log gives them. */
  readonly labels: Readonly<Record<string, string>>;
  /** The container's composer project; `""` for none. */
  readonly project: string;
}

/**
 * What an engine client provides to the watcher core. Implementations are
 * read-only towards their engine: they never create, change or delete
 * anything.
 *
 * @example Any engine client, used the same way
 * ```ts
 * import { ContainerdClient, DockerClient, type EngineClient } from "@whalewatcher/whalewatcher";
 *
 * async function describe(client: EngineClient): Promise<string> {
 *   const alive = await client.list();
 *   return `${client.type} ${await client.version()} at ${client.api}: ${alive.length} alive`;
 * }
 * await using docker = new DockerClient();
 * await using containerd = new ContainerdClient();
 * console.log(await describe(docker));
 * console.log(await describe(containerd));
 * ```
 */
export interface EngineClient {
  /** Engine type identifier, e.g. `docker.com`, `podman.io`, `containerd.io`. */
  readonly type: string;
  /** The API endpoint, e.g. `unix:///var/run/docker.sock` or a socket path. */
  readonly api: string;
  /** The engine's process ID when known, else 0. May become known after {@linkcode EngineClient.id}. */
  readonly pid: number;
  /** The engine instance's unique ID ("" when the engine has none). */
  id(signal?: AbortSignal): Promise<string>;
  /** The engine's version string. */
  version(signal?: AbortSignal): Promise<string>;
  /** Lists the alive (running or paused) containers with their details. */
  list(signal?: AbortSignal): Promise<Container[]>;
  /**
   * Inspects one container by name or ID; resolves `undefined` when it no
   * longer exists or is not alive.
   */
  inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined>;
  /**
   * Reads, without changing anything, what the engine still knows about the
   * last exit of a container that is no longer alive (by its ID as
   * {@linkcode EngineClient.list} reports it). Resolves `undefined` when the
   * container or its exit record no longer exists, or when it is alive. The
   * watcher calls it for exits that only a resync noticed; engines that keep
   * no exit records leave it out.
   */
  exitDetails?(id: string, signal?: AbortSignal): Promise<EngineExit | undefined>;
  /**
   * Subscribes to the engine's container lifecycle events. With `since`
   * (milliseconds since the epoch), engines that keep an event log replay the
   * events from that time on first; others ignore it.
   */
  lifecycleEvents(options: LifecycleEventsOptions): EventStream;
  /**
   * The lifecycle events the engine recorded from `since` (engine time, ms
   * since the epoch) until now, oldest first. Only on engines that keep an
   * event log (Docker keeps its last 256 events, podman its events file);
   * absent on those that keep none.
   */
  eventLog?(since: number, signal?: AbortSignal): Promise<LoggedEvent[]>;
  /** Releases every connection and handle of this client. */
  close(): Promise<void>;
}
