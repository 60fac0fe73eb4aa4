/**
 * `discoverEngines()`: the engine-neutral scan of `lib/discovery/` bound to
 * the engine kinds of the registry that say how they are discovered.
 *
 * @module
 */

import { discover } from "../lib/discovery/discover.ts";
import type { DiscoverableKind, DiscoverOptions, DiscoveryReport } from "../lib/discovery/types.ts";
import { ENGINE_REGISTRY, type EngineRegistry, registryKinds } from "./registry.ts";

/**
 * Options of {@linkcode discoverEngines}.
 *
 * @example Only the well-known places, no /proc scan, short probes
 * ```ts
 * import { type DiscoverEnginesOptions, discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const options: DiscoverEnginesOptions = { processScan: false, probeTimeout: 1_000 };
 * const report = await discoverEngines(options);
 * console.log(report.processScan, report.engines.map((e) => `${e.kind} ${e.api}`));
 * ```
 */
export interface DiscoverEnginesOptions extends DiscoverOptions {
  /** The engine kinds to look for, by name (`docker`, `podman`, `containerd`, `cri`); default every kind whalewatcher knows. */
  readonly kinds?: readonly string[] | undefined;
}

/**
 * The registry's discoverable kinds, as the scan takes them.
 */
export function discoverableKinds(registry: EngineRegistry = ENGINE_REGISTRY): DiscoverableKind[] {
  return registry.flatMap((kind) =>
    kind.discovery === undefined ? [] : [{ ...kind.discovery, name: kind.name, create: (endpoint: string) => kind.create(endpoint, {}) }]
  );
}

/**
 * Finds the engines on this host: the configured addresses (`DOCKER_HOST`,
 * the Docker CLI context, …), the well-known sockets of every kind (also per
 * user under `/run/user`), and, where /proc is readable, the listening
 * sockets of engine processes. Probes each in parallel with a short timeout
 * and reports every candidate with what became of it, and every engine once.
 *
 * @example
 * ```ts
 * import { discoverEngines } from "@whalewatcher/whalewatcher";
 *
 * const report = await discoverEngines({ probeTimeout: 500 });
 * for (const engine of report.engines) console.log(engine.kind, engine.api, engine.version);
 * ```
 */
export async function discoverEngines(options: DiscoverEnginesOptions = {}): Promise<DiscoveryReport> {
  return await discover(discoverableKinds(registryKinds(options.kinds)), options);
}
