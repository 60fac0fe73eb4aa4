/**
 * `hostWatcher()`: the engine-neutral {@linkcode HostWatcher} bound to
 * discovery over the registry and the registry's clients.
 *
 * @module
 */

import { HostWatcher, type HostWatcherOptions } from "../lib/host-watcher.ts";
import { type DiscoverEnginesOptions, discoverEngines } from "./discovery.ts";
import { engineKind, registryKinds } from "./registry.ts";

/**
 * Options of {@linkcode hostWatcher}: those of the host watcher (discovery and clients default to the registry's) and of each scan.
 *
 * @example Watch only the Docker engines of a host, rescanning every minute
 * ```ts
 * import { hostWatcher, type HostWatcherBindingOptions } from "@whalewatcher/whalewatcher";
 *
 * const options: HostWatcherBindingOptions = { kinds: ["docker"], rescanInterval: 60_000, discovery: { probeTimeout: 2_000 }, watcher: { backoff: { maxMs: 10_000 } } };
 * await using host = hostWatcher(options);
 * await host.rescan();
 * console.log([...host.engines()].map((view) => `${view.engine.kind} ${view.engine.api}`));
 * ```
 */
export interface HostWatcherBindingOptions extends Partial<HostWatcherOptions> {
  /** Options of each scan when `discover` is not given. */
  readonly discovery?: Omit<DiscoverEnginesOptions, "signal">;
  /** The engine kinds to watch, by name (`docker`, `containerd`, `cri`, …); default every kind whalewatcher knows. */
  readonly kinds?: readonly string[];
}

/**
 * Watches every engine discovery finds on this host, rescanning every
 * `rescanInterval` milliseconds.
 *
 * @example
 * ```ts
 * import { hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * await using host = hostWatcher({ rescanInterval: 0, discovery: { processScan: false } });
 * await host.rescan();
 * for (const { engine, health } of host.engines()) console.log(engine.kind, engine.api, health.state);
 * ```
 */
export function hostWatcher(options: HostWatcherBindingOptions = {}): HostWatcher {
  const kinds = options.kinds;
  const registry = registryKinds(kinds);
  return new HostWatcher({
    ...options,
    discover: options.discover ??
      (async (signal) => (await discoverEngines({ ...options.discovery, ...(kinds ? { kinds } : {}), signal })).engines),
    create: options.create ?? ((engine) => {
      const kind = engineKind(engine.kind, registry);
      if (!kind) throw new RangeError(`no engine kind named ${engine.kind}`);
      return kind.create(engine.api, {});
    }),
  });
}
