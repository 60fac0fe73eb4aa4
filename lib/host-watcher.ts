/**
 * The whole host: one {@linkcode Watcher} per engine that discovery finds,
 * kept in step with repeated scans, behind one merged view and one merged
 * event stream. Engine-neutral: the discovery and the clients are injected
 * (`engines/` binds them to the registry).
 *
 * @module
 */

import { sleep } from "./async/wait.ts";
import { ContainerLocator, type ProcessContainer } from "./container-of.ts";
import type { DiscoveredEngine } from "./discovery/types.ts";
import type { EngineClient } from "./engine.ts";
import { WatcherClosedError } from "./errors.ts";
import type { LifecycleEvent } from "./events.ts";
import { NestedEngineClient } from "./nested-engine.ts";
import { Fanout, type Subscription } from "./fanout.ts";
import type { ReadonlyPortfolio } from "./model/portfolio.ts";
import { Watcher, type WatcherOptions } from "./watcher.ts";

/**
 * How one engine's watcher is doing.
 *
 * @example A host-wide health check
 * ```ts
 * import { type EngineHealth, hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * await using host = hostWatcher({ rescanInterval: 0, discovery: { processScan: false } });
 * await host.rescan();
 * const unhealthy = [...host.engines()].filter(({ health }: { health: EngineHealth }) => health.state === "failed");
 * for (const { engine, health } of unhealthy) console.log(engine.api, health.lastError);
 * ```
 */
export interface EngineHealth {
  /** `"syncing"` until the first sync, `"synced"` while events flow, `"reconnecting"` after a lost connection, `"failed"` when the watch gave up (retried at the next scan while discovery still finds the engine). */
  readonly state: "syncing" | "synced" | "reconnecting" | "failed";
  /** The error the watch failed with, when `failed`. */
  readonly lastError?: unknown;
}

/**
 * One engine of the merged view.
 *
 * @example Every engine with its containers
 * ```ts
 * import { type HostEngineView, hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * await using host = hostWatcher({ rescanInterval: 0, discovery: { processScan: false } });
 * await host.rescan();
 * const views: HostEngineView[] = [...host.engines()];
 * for (const { engine, portfolio } of views) console.log(engine.type, engine.api, portfolio.containerTotal);
 * ```
 */
export interface HostEngineView {
  /** The engine as discovery found it (its `key` names it in events). */
  readonly engine: DiscoveredEngine;
  /** Its current containers (empty before the first sync). */
  readonly portfolio: ReadonlyPortfolio;
  /** How its watcher is doing. */
  readonly health: EngineHealth;
  /** Its watcher's first sync: resolves once synced, rejects when the watch failed (or closed) before. */
  readonly ready: Promise<void>;
}

/**
 * An event of the merged stream.
 *
 * @example One event stream for the whole host
 * ```ts
 * import { type HostEvent, hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * const text = (e: HostEvent) => e.type === "container" ? `${e.key}: ${e.event.type} ${e.event.container.name}` : `${e.type} ${e.key}`;
 * await using host = hostWatcher({ rescanInterval: 0, discovery: { processScan: false } });
 * const events = host.events({ signal: AbortSignal.timeout(3_000) });
 * await host.rescan();
 * for await (const event of events) console.log(text(event));
 * ```
 */
export type HostEvent =
  /** A container event of one engine (`event.engine` says which; `key` is the engine's discovery key). */
  | { readonly type: "container"; readonly key: string; readonly event: LifecycleEvent }
  /** A scan found an engine not watched before. */
  | { readonly type: "engine-appeared"; readonly key: string; readonly engine: DiscoveredEngine }
  /** A scan no longer found a watched engine; its watcher is closed and dropped. */
  | { readonly type: "engine-vanished"; readonly key: string; readonly engine: DiscoveredEngine };

/**
 * Options of a {@linkcode HostWatcher}.
 *
 * @example A host watcher over engines you name yourself
 * ```ts
 * import { DockerClient, HostWatcher, type HostWatcherOptions } from "@whalewatcher/whalewatcher";
 *
 * const docker = { key: "docker/mine", kind: "docker", type: "docker.com", api: "unix:///var/run/docker.sock", version: "", id: "", pid: 0, sources: [], alsoAt: [] };
 * const options: HostWatcherOptions = {
 *   discover: () => Promise.resolve([docker]),
 *   create: (engine) => new DockerClient({ host: engine.api }),
 *   rescanInterval: 0,
 * };
 * await using host = new HostWatcher(options);
 * await host.rescan();
 * console.log([...host.engines()].map((view) => view.engine.key));
 * ```
 */
export interface HostWatcherOptions {
  /** One scan: the engines on the host now, each once (by `key`). */
  readonly discover: (signal: AbortSignal) => Promise<readonly DiscoveredEngine[]>;
  /** Builds the client that watches a discovered engine. */
  readonly create: (engine: DiscoveredEngine) => EngineClient | Promise<EngineClient>;
  /** Milliseconds between scans; default 30 000; 0 scans only on {@linkcode HostWatcher.rescan}. */
  readonly rescanInterval?: number;
  /** Options of every engine's watcher. */
  readonly watcher?: WatcherOptions;
  /** The /proc tree {@linkcode HostWatcher.containerOf} reads; default `/proc`. */
  readonly procRoot?: string;
}

/**
 * Default time between scans.
 *
 * @example Rescan twice as often as by default
 * ```ts
 * import { DEFAULT_RESCAN_INTERVAL_MS, hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * await using host = hostWatcher({ rescanInterval: DEFAULT_RESCAN_INTERVAL_MS / 2, discovery: { processScan: false } });
 * await host.rescan();
 * ```
 */
export const DEFAULT_RESCAN_INTERVAL_MS = 30_000;

interface Entry {
  readonly engine: DiscoveredEngine;
  readonly watcher: Watcher;
  failure?: { error: unknown };
}

/**
 * Watches every engine of a host. Between scans it costs one timer.
 *
 * @example
 * ```ts
 * import { hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * await using host = hostWatcher();
 * const watching = host.watch(AbortSignal.timeout(3_000));
 * await host.rescan();
 * for (const { engine, portfolio } of host.engines()) console.log(engine.kind, engine.api, portfolio.containerTotal);
 * await watching;
 * ```
 */
export class HostWatcher implements AsyncDisposable {
  readonly #options: HostWatcherOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #fanout = new Fanout<HostEvent>();
  readonly #lifetime = new AbortController();
  readonly #locator: ContainerLocator;
  #scanning: Promise<void> | undefined;
  #watching: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** Creates a host watcher; nothing happens until {@linkcode HostWatcher.watch} or {@linkcode HostWatcher.rescan}. */
  constructor(options: HostWatcherOptions) {
    const interval = options.rescanInterval ?? DEFAULT_RESCAN_INTERVAL_MS;
    if (!Number.isFinite(interval) || interval < 0) throw new RangeError(`rescanInterval must be >= 0, got ${interval}`);
    this.#options = options;
    this.#locator = new ContainerLocator(() => [...this.#entries.values()].map((entry) => entry.watcher), {
      procRoot: options.procRoot,
    });
  }

  /**
   * The alive container host process `pid` belongs to, of whichever watched
   * engine, with that engine; `undefined` when it is in none. Answered from
   * the watchers' pictures and /proc (see {@linkcode ContainerLocator}): no
   * engine round trip.
   */
  containerOf(pid: number): Promise<ProcessContainer | undefined> {
    return this.#locator.containerOf(pid);
  }

  /** The merged read-only view: every watched engine with its containers, listed even with none. */
  engines(): HostEngineView[] {
    return [...this.#entries.values()].map((entry) => ({
      engine: entry.engine,
      portfolio: entry.watcher.portfolio,
      health: health(entry),
      ready: entry.watcher.ready,
    }));
  }

  /** Merged events of every engine plus engine-appeared/vanished; ends on close. */
  events(options: { readonly signal?: AbortSignal; readonly buffer?: number } = {}): Subscription<HostEvent> {
    return this.#fanout.subscribe({ buffer: options.buffer ?? 1024, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /**
   * Scans now (joining a scan under way): watches engines found for the
   * first time, retries failed watchers of engines still found, watches
   * anew an engine found in another place (its parent engine found only
   * now: then wrapped, its PIDs translated, its containers labelled), drops
   * the ones no longer found. Rejects with the discovery's error.
   */
  rescan(): Promise<void> {
    if (this.#closing) return Promise.reject(new WatcherClosedError());
    this.#scanning ??= this.#scan().finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  /**
   * Scans at once and then every `rescanInterval` until `signal` aborts or
   * close (then resolves); a failing scan ends it (rejects). The engines'
   * watchers run on until {@linkcode HostWatcher.close}.
   */
  watch(signal?: AbortSignal): Promise<void> {
    if (this.#closing) return Promise.reject(new WatcherClosedError());
    this.#watching ??= this.#loop(signal);
    this.#watching.catch(() => {});
    return this.#watching;
  }

  /** Closes every engine's watcher, ends the event stream; leaves no timer behind. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@linkcode HostWatcher.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #loop(signal: AbortSignal | undefined): Promise<void> {
    const stop = signal ? AbortSignal.any([signal, this.#lifetime.signal]) : this.#lifetime.signal;
    const interval = this.#options.rescanInterval ?? DEFAULT_RESCAN_INTERVAL_MS;
    while (!stop.aborted) {
      await this.rescan();
      if (interval === 0) return;
      await sleep(interval, stop).catch(() => {});
    }
  }

  async #scan(): Promise<void> {
    const found = await this.#options.discover(this.#lifetime.signal);
    if (this.#closing) return;
    const keys = new Set(found.map((engine) => engine.key));
    for (const [key, entry] of this.#entries) {
      if (keys.has(key)) continue;
      this.#entries.delete(key);
      await entry.watcher.close();
      this.#fanout.publish([{ type: "engine-vanished", key, engine: entry.engine }]);
    }
    for (const engine of found) {
      const known = this.#entries.get(engine.key);
      // An engine whose place changed (its parent engine found only now, or gone) is watched anew,
      // wrapped (or not) as it now must be: its containers are reported again, with host PIDs and labels.
      if (known && !known.failure && samePlace(known.engine, engine)) continue;
      if (known) await known.watcher.close();
      else this.#fanout.publish([{ type: "engine-appeared", key: engine.key, engine }]);
      await this.#start(engine);
    }
  }

  async #start(engine: DiscoveredEngine): Promise<void> {
    const client = await this.#options.create(engine);
    const watcher = new Watcher(engine.parent !== undefined && engine.pid > 0 ? nested(client, engine, this.#options.procRoot) : client, this.#options.watcher);
    const entry: Entry = { engine, watcher };
    this.#entries.set(engine.key, entry);
    const events = watcher.events();
    void (async () => {
      for await (const event of events) this.#fanout.publish([{ type: "container", key: engine.key, event }]);
    })().catch(() => {});
    watcher.watch(this.#lifetime.signal).catch((error: unknown) => {
      if (!(error instanceof WatcherClosedError) && !this.#lifetime.signal.aborted) entry.failure = { error };
    });
  }

  async #shutdown(): Promise<void> {
    this.#lifetime.abort(new WatcherClosedError());
    await this.#watching?.catch(() => {});
    await this.#scanning?.catch(() => {});
    await Promise.all([...this.#entries.values()].map((entry) => entry.watcher.close()));
    this.#fanout.end();
  }
}

/** The client of an engine inside a container: host PIDs and labels naming where it runs (see {@linkcode NestedEngineClient}). */
function nested(client: EngineClient, engine: DiscoveredEngine, procRoot: string | undefined): EngineClient {
  const { engine: outerEngine, containerId, containerName } = engine.parent!;
  return new NestedEngineClient(client, { pid: engine.pid, key: engine.key, outerEngine, containerId, containerName, procRoot });
}

/** Whether two scans found an engine in the same place: inside the same container of the same engine, or on the host. */
function samePlace(a: DiscoveredEngine, b: DiscoveredEngine): boolean {
  return a.pid === b.pid && a.parent?.engine === b.parent?.engine && a.parent?.containerId === b.parent?.containerId;
}

function health(entry: Entry): EngineHealth {
  if (entry.failure) return { state: "failed", lastError: entry.failure.error };
  const phase = entry.watcher.phase;
  return { state: phase === "synced" ? "synced" : phase === "lost" ? "reconnecting" : "syncing" };
}
