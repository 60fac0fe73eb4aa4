/**
 * The CLI's default (`--engine all` without endpoint options): every engine
 * discovery finds on this host, each once, through one host watcher; with
 * `--watch` it rescans and follows engines appearing and vanishing too
 * (`engine-appeared`/`engine-vanished` lines in text and NDJSON).
 *
 * @module
 */

import { hostWatcher } from "../engines/host.ts";
import { engineKind } from "../engines/registry.ts";
import type { DiscoveredEngine } from "../lib/discovery/types.ts";
import type { HostEngineView, HostEvent, HostWatcher } from "../lib/host-watcher.ts";
import type { WatcherLogger } from "../lib/watcher.ts";
import { ALL_ENGINES, type CliOptions } from "./args.ts";
import { eventTime } from "./event-text.ts";
import type { EngineFailure } from "./failure.ts";
import { engineSelected } from "./filter.ts";
import type { PresentOptions } from "./present.ts";
import { type EngineSnapshot, sortedContainers } from "./snapshot.ts";
import { paint, type TextStyle } from "./style.ts";

/** Milliseconds between scans while `--watch` follows the host's engines. */
export const WATCH_RESCAN_MS = 5_000;
/** How long one probe may take: a busy podman needs seconds to answer its first request. */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * Whether `options` ask for the discovered engines: `--engine all` with no endpoint option.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import { discoveryWanted } from "./host.ts";
 * console.assert(discoveryWanted(parseArgs([])) && !discoveryWanted(parseArgs(["--engine", "docker"])));
 * ```
 */
export function discoveryWanted(options: CliOptions): boolean {
  return options.engine === ALL_ENGINES && Object.keys(options.endpoints).length === 0;
}

/**
 * The host watcher the CLI uses: clients with display details, one-shot watchers without retries.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import { cliHostWatcher, openHost } from "./host.ts";
 * await using host = cliHostWatcher(parseArgs(["--json"]));
 * const { synced, failures } = await openHost(host);
 * console.log(synced.length, failures.length);
 * ```
 */
export function cliHostWatcher(options: CliOptions, logger?: WatcherLogger): HostWatcher {
  return hostWatcher({
    rescanInterval: options.watch ? WATCH_RESCAN_MS : 0,
    discovery: { probeTimeout: PROBE_TIMEOUT_MS, procRoot: options.procRoot },
    procRoot: options.procRoot,
    watcher: {
      ...(logger ? { logger } : {}),
      // One-shot: a first sync that fails is reported, not retried (as with explicit engines).
      ...(options.watch ? {} : { backoff: { maxRetries: 0 } }),
    },
    create: (engine) => {
      const kind = engineKind(engine.kind);
      if (!kind) throw new RangeError(`no engine kind named ${engine.kind}`);
      return kind.create(engine.api, { details: true, ...(logger ? { logger } : {}) });
    },
  });
}

/**
 * Scans once and waits for every engine's first sync; returns the synced views and the failed ones.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./args.ts";
 * import { cliHostWatcher, hostSnapshot, openHost } from "./host.ts";
 * await using host = cliHostWatcher(parseArgs([]));
 * for (const view of (await openHost(host)).synced) console.log(hostSnapshot(view).containers.length);
 * ```
 */
export async function openHost(host: HostWatcher): Promise<{ synced: HostEngineView[]; failures: EngineFailure[] }> {
  await host.rescan();
  const views = host.engines();
  const settled = await Promise.allSettled(views.map((view) => view.ready));
  const failures: EngineFailure[] = [];
  const failed = new Set<string>();
  settled.forEach((result, i) => {
    const { engine } = views[i]!;
    if (result.status === "fulfilled") return;
    failed.add(engine.key);
    failures.push({ engine: engine.kind, endpoint: engine.api, error: result.reason });
  });
  // The views again: each is a snapshot, and the ones above were taken before the syncs.
  const synced = host.engines().filter((view) => !failed.has(view.engine.key));
  return { synced, failures };
}

/** One engine's picture as the CLI renders it (see {@linkcode openHost}'s example). */
export function hostSnapshot(view: HostEngineView): EngineSnapshot {
  const { kind, type, api, id, version } = view.engine;
  return { kind, type, api, id, version, containers: sortedContainers(view.portfolio) };
}

/** The NDJSON line of an engine appearing or vanishing. */
export interface EngineEventJson {
  /** What happened to the engine. */
  type: "engine-appeared" | "engine-vanished";
  /** When the CLI learnt it, ISO 8601. */
  time: string;
  /** The engine: its registry kind, type, API endpoint, ID and version. */
  engine: { kind: string; type: string; api: string; id: string; version: string };
}

/**
 * The line for an engine appearing or vanishing; "" for `-q`/`--format`
 * output (container lines only) and for engines a `--filter engine=` drops.
 *
 * @example
 * ```ts
 * import { engineEventLine } from "./host.ts";
 * const engine = { key: "k", kind: "docker", type: "docker.com", api: "unix:///d.sock", version: "27.0", id: "", pid: 0, sources: [], alsoAt: [] };
 * engineEventLine({ type: "engine-appeared", key: "k", engine }, { json: true, filters: [], quiet: false, noTrunc: false }, { color: false }, new Date(0));
 * ```
 */
export function engineEventLine(
  event: Extract<HostEvent, { type: "engine-appeared" | "engine-vanished" }>,
  options: PresentOptions,
  style: TextStyle,
  now: Date = new Date(),
): string {
  const { kind, type, api, id, version } = event.engine;
  if (options.quiet || options.format || !engineSelected(options.filters, { kind, type })) return "";
  if (options.json) {
    const line: EngineEventJson = { type: event.type, time: now.toISOString(), engine: { kind, type, api, id, version } };
    return `${JSON.stringify(line)}\n`;
  }
  const word = paint(style, event.type === "engine-appeared" ? "green" : "red", event.type);
  return `${eventTime(now, style.localTime === true)}  ${type}  ${word}  ${api}  ${version}\n`;
}

/**
 * The kind of the engine an event's `key` names, as the CLI learnt it from the picture and appeared events.
 *
 * @example
 * ```ts
 * import { EngineKinds } from "./host.ts";
 * const kinds = new EngineKinds([]);
 * console.assert(kinds.note({ type: "engine-vanished", key: "k", engine: { key: "k", kind: "cri", type: "", api: "", version: "", id: "", pid: 0, sources: [], alsoAt: [] } }) === "");
 * ```
 */
export class EngineKinds {
  readonly #kinds = new Map<string, string>();

  /** Knows the engines of `engines`. */
  constructor(engines: readonly DiscoveredEngine[]) {
    for (const engine of engines) this.#kinds.set(engine.key, engine.kind);
  }

  /** Learns the engine of an engine event; the kind for `key` ("" when unknown). */
  note(event: HostEvent): string {
    if (event.type === "engine-appeared") this.#kinds.set(event.key, event.engine.kind);
    return this.#kinds.get(event.key) ?? "";
  }
}
