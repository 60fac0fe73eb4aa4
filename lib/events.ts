/**
 * The lifecycle events a watcher emits to its subscribers.
 *
 * @module
 */

import type { Container } from "./model/container.ts";

/** What happened to a container. */
export type LifecycleEventType = "started" | "exited" | "paused" | "unpaused";

/**
 * A change of the alive-container picture. Replaying a watcher's events in
 * order onto an empty portfolio yields the watcher's portfolio.
 */
export interface LifecycleEvent {
  /** What happened. */
  readonly type: LifecycleEventType;
  /** The container after the change (for `exited`: as it was last known). */
  readonly container: Container;
  /** When it happened, as the engine reported it (or when a resync noticed it). */
  readonly time: Date;
}
