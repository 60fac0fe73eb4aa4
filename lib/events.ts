/**
 * The lifecycle events a watcher emits to its subscribers.
 *
 * @module
 */

import type { Container } from "./model/container.ts";

/**
 * What happened to a container.
 *
 * @example Count what happens
 * ```ts
 * import { DockerClient, type LifecycleEventType, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const counts: Record<LifecycleEventType, number> = { started: 0, exited: 0, paused: 0, unpaused: 0 };
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * const done = AbortSignal.timeout(200);
 * for await (const event of watcher.events({ signal: done, initial: true })) counts[event.type]++;
 * console.log(counts);
 * ```
 */
export type LifecycleEventType = "started" | "exited" | "paused" | "unpaused";

/**
 * Which engine an event comes from. Container IDs are unique only per
 * engine: with several watchers, `type`, `api` and `id` together tell the
 * engine instance, so that merged event streams lose nothing.
 *
 * @example Tell the engines of merged streams apart
 * ```ts
 * import { ContainerdClient, DockerClient, type EngineIdentity, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using docker = new Watcher(new DockerClient());
 * await using containerd = new Watcher(new ContainerdClient());
 * void docker.watch();
 * void containerd.watch();
 * await Promise.all([docker.ready, containerd.ready]);
 * const engines: EngineIdentity[] = [docker.identity, containerd.identity];
 * for (const { type, api, id } of engines) console.log(type, api, id || "(no engine ID)");
 * ```
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
 *
 * @example Say why containers ended
 * ```ts
 * import { DockerClient, type ExitDetails, Watcher } from "@whalewatcher/whalewatcher";
 *
 * function describe(exit: ExitDetails): string {
 *   if (exit.oom) return "killed by the OOM killer";
 *   return exit.code === undefined ? "exit code unknown" : `exit code ${exit.code}`;
 * }
 * console.log(describe({ code: 137 }), describe({ oom: true }), describe({}));
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * for await (const event of watcher.events({ signal: AbortSignal.timeout(200) })) {
 *   if (event.type === "exited") console.log(event.container.name, describe(event.exit ?? {}));
 * }
 * ```
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
 *
 * @example Follow one engine's events as NDJSON
 * ```ts
 * import { DockerClient, type LifecycleEvent, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const line = (e: LifecycleEvent) => JSON.stringify({ type: e.type, name: e.container.name, pid: e.container.pid, time: e.time, engine: e.engine.type });
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * for await (const event of watcher.events({ initial: true, signal: AbortSignal.timeout(300) })) console.log(line(event));
 * ```
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
