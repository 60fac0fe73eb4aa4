/**
 * The lifecycle events a watcher emits to its subscribers.
 *
 * @module
 */

import type { Container } from "./model/container.ts";

/** What happened to a container. */
export type LifecycleEventType = "started" | "exited" | "paused" | "unpaused";

/**
 * Which engine an event comes from. Container IDs are unique only per
 * engine: with several watchers, `type`, `api` and `id` together tell the
 * engine instance, so that merged event streams lose nothing.
 */
export interface EngineIdentity {
  /** Engine type, e.g. `docker.com`, `podman.io`, `containerd.io`. */
  readonly type: string;
  /** The API endpoint, e.g. `unix:///var/run/docker.sock` or a socket path. */
  readonly api: string;
  /**
   * The engine instance's ID as the engine reports it ("" when it has none).
   * It changes when another engine instance takes over the same endpoint.
   */
  readonly id: string;
}

/**
 * What the engine says about an exit. Every field is optional: absent
 * (`undefined`) means unknown — the engine did not say, or the exit was
 * noticed only by a resync after the container was gone.
 */
export interface ExitDetails {
  /** The exit code of the container's initial process, e.g. 137 after SIGKILL. */
  readonly code?: number;
  /**
   * `true` when the engine reported that the kernel's OOM killer ended the
   * container. Engines report OOM kills, not their absence: otherwise absent.
   */
  readonly oom?: boolean;
  /** When the container exited, by the engine's clock. */
  readonly time?: Date;
}

/**
 * A change of the alive-container picture. Replaying a watcher's events in
 * order onto an empty portfolio yields the watcher's portfolio.
 */
export interface LifecycleEvent {
  /** What happened. */
  readonly type: LifecycleEventType;
  /** The container after the change (for `exited`: as it was last known). */
  readonly container: Container;
  /**
   * When it happened, as the engine reported it (for an exit found by a
   * resync: the engine's exit time where known, else when the resync noticed it).
   */
  readonly time: Date;
  /** The engine the event comes from. */
  readonly engine: EngineIdentity;
  /** For `exited` events, what the engine says about the exit (possibly nothing: `{}`); absent otherwise. */
  readonly exit?: ExitDetails;
}
