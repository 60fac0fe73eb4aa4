/**
 * whalewatcher: an always-current, event-driven picture of the **alive**
 * (running or paused) containers of Docker, podman (Docker API) and
 * containerd engines, grouped by composer (docker-compose / nerdctl)
 * project. One module for Node ≥ 22.19, Deno 2 and Bun 1.
 *
 * Create an engine client ({@linkcode DockerClient} or
 * {@linkcode ContainerdClient}), hand it to a {@linkcode Watcher}, start
 * watching, and read the {@linkcode Portfolio} at any time or iterate the
 * {@linkcode LifecycleEvent}s.
 *
 * @example Ask what is alive right now
 * ```ts
 * import { DockerClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * for (const name of watcher.portfolio.names()) {
 *   console.log(name, watcher.portfolio.project(name)?.containerNames());
 * }
 * console.log(watcher.portfolio.container("my-container")?.pid);
 * ```
 *
 * @example Follow lifecycle events until aborted
 * ```ts
 * import { ContainerdClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const stop = AbortSignal.timeout(1_000);
 * await using watcher = new Watcher(new ContainerdClient());
 * void watcher.watch(stop);
 * for await (const event of watcher.events({ signal: stop, initial: true })) {
 *   console.log(event.time.toISOString(), event.type, event.container.name, event.container.pid);
 * }
 * ```
 *
 * @example Run the CLI
 * ```sh
 * deno run -P cli/bin.ts --watch  # in a clone: deno.json's least-privilege set
 * deno run --allow-read=/var/run/docker.sock --allow-write=/var/run/docker.sock \
 *   --allow-net=unix:/var/run/docker.sock,localhost jsr:@whalewatcher/whalewatcher --engine docker
 * bun cli/bin.ts --json             # the CLI entry: loads only the engines it opens
 * npx whalewatcher --engine docker
 * ```
 *
 * @module
 */

export { type Container, type ContainerInit, newContainer, type Packer, withPaused } from "./lib/model/container.ts";
export { COMPOSE_PROJECT_LABEL, PRIVILEGED_LABEL } from "./lib/model/labels.ts";
export { Portfolio, type ReadonlyPortfolio } from "./lib/model/portfolio.ts";
export type { PersistentMap } from "./lib/model/pmap.ts";
export { ComposerProject, type ProjectOwner, type ReadonlyComposerProject } from "./lib/model/project.ts";
export type { EngineIdentity, ExitDetails, LifecycleEvent, LifecycleEventType } from "./lib/events.ts";
export {
  type ContainerLocatorOptions,
  ContainerLocator,
  type ContainerMatch,
  type ContainerSource,
  type ProcessContainer,
} from "./lib/container-of.ts";
export {
  type EngineClient,
  type EngineEvent,
  type EngineExit,
  type EventStream,
  type LifecycleEventsOptions,
  type LoggedEvent,
  PROJECT_UNKNOWN,
} from "./lib/engine.ts";
export {
  EngineApiError,
  EngineError,
  type EngineErrorOptions,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
  SubscriberOverflowError,
  WatcherClosedError,
  WhalewatcherError,
} from "./lib/errors.ts";
export {
  DEFAULT_EVENT_BUFFER,
  DEFAULT_INSPECT_CONCURRENCY,
  type EventsOptions,
  Watcher,
  type WatcherLogger,
  type WatcherOptions,
} from "./lib/watcher.ts";
export type { WatchPhase } from "./lib/reducer.ts";
export type { BackoffJitter, BackoffOptions } from "./lib/backoff.ts";
export type { Subscription } from "./lib/fanout.ts";
export {
  DEFAULT_DOCKER_HOST,
  DOCKER_ENGINE_TYPE,
  DockerClient,
  type DockerClientOptions,
  type DockerEnv,
  PODMAN_ENGINE_TYPE,
} from "./engines/docker/mod.ts";
export {
  CONTAINERD_ENGINE_TYPE,
  ContainerdClient,
  type ContainerdClientOptions,
  type ContainerdLogger,
  type ContainerdPacker,
  type ContainerdAny,
  type ContainerdContainerRecord,
  type ContainerdProcessRecord,
  type ContainerdRecord,
  DEFAULT_CONTAINERD_SOCKET,
} from "./engines/containerd/mod.ts";
export * from "./engines/cri/mod.ts";
import { isMainModule } from "./lib/runtime.ts";

// Run as a program (`deno run -P mod.ts`, `bun mod.ts`, `tsx mod.ts`, `node mod.ts` where Node strips
// types): the CLI. The npm package's bin imports the CLI directly.
if (isMainModule(import.meta)) {
  const { runMain } = await import("./cli/main.ts");
  await runMain();
}
export { discoverEngines, type DiscoverEnginesOptions } from "./engines/discovery.ts";
export type {
  CandidateOutcome,
  DiscoveredEngine,
  DiscoverOptions,
  DiscoveryCandidate,
  DiscoveryMethod,
  DiscoveryReport,
  DiscoverySource,
  EngineParent,
} from "./lib/discovery/types.ts";
export { hostWatcher, type HostWatcherBindingOptions } from "./engines/host.ts";
export {
  DEFAULT_RESCAN_INTERVAL_MS,
  type EngineHealth,
  type HostEngineView,
  type HostEvent,
  HostWatcher,
  type HostWatcherOptions,
} from "./lib/host-watcher.ts";
