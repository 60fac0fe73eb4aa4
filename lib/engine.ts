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
 */
export const PROJECT_UNKNOWN: unique symbol = Symbol("whalewatcher.projectUnknown");

/**
 * What an engine reports about an exit. Absent fields are unknown.
 * Times are engine times in milliseconds since the epoch.
 */
export interface EngineExit {
  /** The exit code of the container's initial process. */
  readonly code?: number;
  /** `true` when the engine reported an OOM kill (engines report kills, not their absence). */
  readonly oom?: boolean;
  /** When the container exited. */
  readonly time?: number;
}

/** A container lifecycle event as reported by an engine, before the core folds it in. */
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
 */
export interface EventStream extends AsyncIterable<EngineEvent> {
  /**
   * Settles once every event that happens from now on is certain to be
   * delivered by this stream, so that a list taken afterwards cannot miss an
   * event ("subscribe first, then list"). Rejects when subscribing failed.
   */
  readonly subscribed: Promise<void>;
}

/** Options of {@linkcode EngineClient.lifecycleEvents}. */
export interface LifecycleEventsOptions {
  /** Ends the subscription when aborted. */
  signal: AbortSignal;
  /** Replay events since this engine time (ms since the epoch) where the engine can. */
  since?: number;
}

/**
 * A lifecycle event from an engine's event log, with what the log says of
 * its container (which may be gone since: no PID, no live state).
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
