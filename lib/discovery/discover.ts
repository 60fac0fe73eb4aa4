/**
 * The engine-neutral scan: collects candidate endpoints from every kind
 * (configured, well-known, and the listening sockets of engine processes in
 * /proc), probes each once in parallel with a short timeout, and lists every
 * engine once however many ways lead to it.
 *
 * @module
 */

import { mapConcurrent } from "../async/pool.ts";
import { mayReadFile, missingSocketFlags } from "../permissions.ts";
import { DEFAULT_PROC_ROOT, ProcAccessError, ProcFs } from "../proc/procfs.ts";
import { DEFAULT_USER_RUNTIME_ROOT, hostPlaces } from "./places.ts";
import { probe, type ProbeResult, socketFile, type SocketFileKey } from "./probe.ts";
import { withParents } from "./nesting.ts";
import { type OwnedSocket, type ProcessScan, scanEngineProcesses } from "./processes.ts";
import type {
  CandidateOutcome,
  DiscoverableKind,
  DiscoveredEngine,
  DiscoverOptions,
  DiscoveryCandidate,
  DiscoveryMethod,
  DiscoveryReport,
  DiscoverySource,
} from "./types.ts";

/** Default time one probe may take. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;
/** How many probes run at a time. */
const PROBE_CONCURRENCY = 16;
/** Which way of finding an endpoint names it best, for the engine's `api`: what the user set, then the usual place. */
const METHOD_RANK: Record<DiscoveryMethod, number> = { configured: 0, "well-known": 1, process: 2 };

/** A candidate before its probe. */
interface Pending {
  readonly kind: DiscoverableKind;
  readonly endpoint: string;
  readonly socketPath: string;
  readonly sources: DiscoverySource[];
  /** The process found listening on it, 0 when none. */
  pid: number;
  /** Set when there is nothing to probe (an unreadable process, a failed settings lookup). */
  readonly early?: CandidateOutcome;
}

/**
 * Scans this host for engines of the given kinds; see
 * {@linkcode DiscoveryReport}. Rejects only when `options.signal` aborts.
 *
 * @example
 * ```ts
 * import { discover } from "./discover.ts";
 * const report = await discover([], { processScan: false });
 * console.assert(report.engines.length === 0);
 * ```
 */
export async function discover(kinds: readonly DiscoverableKind[], options: DiscoverOptions = {}): Promise<DiscoveryReport> {
  const notes: string[] = [];
  const pending = new Map<string, Pending>();
  const add = (entry: Pending): void => {
    const key = `${entry.kind.name}\0${entry.endpoint}`;
    const known = entry.endpoint === "" ? undefined : pending.get(key);
    if (known === undefined) pending.set(entry.endpoint === "" ? `${key}\0${pending.size}` : key, entry);
    else {
      known.sources.push(...entry.sources);
      known.pid ||= entry.pid;
    }
  };

  for (const kind of kinds) {
    try {
      for (const found of await kind.configured()) {
        add({ kind, endpoint: found.endpoint, socketPath: found.socketPath, sources: [found.source], pid: 0 });
      }
    } catch (error) {
      add({
        kind,
        endpoint: "",
        socketPath: "",
        sources: [{ method: "configured", detail: `${kind.name} settings` }],
        pid: 0,
        early: { status: "failed", error: error as Error },
      });
    }
  }
  if (options.wellKnown ?? true) {
    const { places, notes: placeNotes } = await hostPlaces(options.userRuntimeRoot ?? DEFAULT_USER_RUNTIME_ROOT);
    notes.push(...placeNotes);
    for (const kind of kinds) {
      for (const found of kind.wellKnown(places)) {
        add({ kind, endpoint: found.endpoint, socketPath: found.socketPath, sources: [found.source], pid: 0 });
      }
    }
  }
  const scan = (options.processScan ?? true) ? await scanProcesses(kinds, options.procRoot ?? DEFAULT_PROC_ROOT, notes) : undefined;
  for (const socket of scan?.sockets ?? []) {
    const source: DiscoverySource = {
      method: "process",
      detail: `process ${socket.process.pid} (${socket.process.comm}) listening on ${socket.path}`,
      pid: socket.process.pid,
    };
    const endpoint = socket.kind.endpointFor(socket.reachablePath);
    add({ kind: socket.kind, endpoint, socketPath: socket.reachablePath, sources: [source], pid: socket.process.pid });
  }
  for (const { kind, process, error } of scan?.denied ?? []) {
    add({
      kind,
      endpoint: "",
      socketPath: "",
      sources: [{ method: "process", detail: `process ${process.pid} (${process.comm})`, pid: process.pid }],
      pid: process.pid,
      early: { status: "permission-denied", error },
    });
  }

  const signal = options.signal;
  const owners = await ownedFiles(scan?.owned ?? []);
  const timeout = options.probeTimeout ?? DEFAULT_PROBE_TIMEOUT_MS;
  const entries = [...pending.values()];
  const probed = await mapConcurrent(entries, PROBE_CONCURRENCY, async (entry) => {
    if (entry.early !== undefined) return { entry, file: "", outcome: entry.early };
    // Under Deno, touching a socket without its grants would stop at a permission prompt, one per candidate.
    const flags = entry.socketPath === "" ? "" : missingSocketFlags(entry.socketPath, entry.endpoint.startsWith("unix://"));
    if (flags !== "") {
      const error = new Error(`Deno may not use ${entry.socketPath} without asking: not probed (to probe it, run Deno with ${flags})`);
      return { entry, file: "", outcome: { status: "permission-denied", error } satisfies CandidateOutcome };
    }
    const file = entry.socketPath === "" ? "" : await socketFile(entry.socketPath);
    if (typeof file !== "string") return { entry, file: "", outcome: file };
    const owner = file === "" ? undefined : owners.get(file);
    if (owner !== undefined && owner.kind !== entry.kind) {
      const reason = `used by process ${owner.process.pid} (${owner.process.comm}) for itself; its containers show through that engine`;
      return { entry, file, outcome: { status: "skipped", reason } satisfies CandidateOutcome };
    }
    return { entry, file, outcome: await probe(entry.kind, entry.endpoint, file, timeout, signal) };
  }, signal);
  signal?.throwIfAborted();

  // Files of process sockets, so that an engine found at a well-known path learns its PID.
  const pidOfFile = new Map<SocketFileKey, number>();
  for (const { entry, file } of probed) if (file !== "" && entry.pid !== 0) pidOfFile.set(file, entry.pid);

  const report = assemble(kinds, probed, pidOfFile, scan !== undefined, notes);
  if (scan === undefined || !(options.nesting ?? true)) return report;
  const kindOf = new Map(kinds.map((kind) => [kind.name, kind]));
  const list = async (engine: DiscoveredEngine, listSignal: AbortSignal) => {
    const client = await kindOf.get(engine.kind)!.create(engine.api);
    try {
      return await client.list(listSignal);
    } finally {
      await client.close();
    }
  };
  const proc = new ProcFs({ root: options.procRoot ?? DEFAULT_PROC_ROOT });
  const nested = await withParents(report.engines, list, proc, timeout, signal);
  const byKey = new Map(nested.engines.map((engine) => [engine.key, engine]));
  const candidates = report.candidates.map((candidate) =>
    candidate.outcome.status === "found" ? { ...candidate, outcome: { ...candidate.outcome, engine: byKey.get(candidate.outcome.engine.key)! } } : candidate
  );
  return { ...report, engines: nested.engines, candidates, notes: [...report.notes, ...nested.notes] };
}

/** Scans /proc, or notes why it could not. */
async function scanProcesses(kinds: readonly DiscoverableKind[], root: string, notes: string[]): Promise<ProcessScan | undefined> {
  const skipped = "engine processes were not looked for, only configured and well-known places were tried";
  if (!mayReadFile(root)) {
    notes.push(`${root} may not be read (on Deno grant --allow-read=${root}): ${skipped}`);
    return undefined;
  }
  try {
    return await scanEngineProcesses(new ProcFs({ root }), kinds);
  } catch (error) {
    if (!(error instanceof ProcAccessError)) throw error;
    notes.push(`${root} could not be read (${(error.cause as Error | undefined)?.message ?? error.message}): ${skipped}`);
    return undefined;
  }
}

async function ownedFiles(owned: readonly OwnedSocket[]): Promise<Map<SocketFileKey, OwnedSocket>> {
  const files = new Map<SocketFileKey, OwnedSocket>();
  for (const socket of owned) {
    const file = await socketFile(socket.reachablePath);
    if (typeof file === "string" && file !== "") files.set(file, socket);
  }
  return files;
}

interface Probed {
  readonly entry: Pending;
  readonly file: SocketFileKey;
  readonly outcome: ProbeResult | CandidateOutcome;
}

/** Builds the report: one engine per identity key, the best-named endpoint as its `api`. */
function assemble(
  kinds: readonly DiscoverableKind[],
  probed: readonly Probed[],
  pidOfFile: ReadonlyMap<SocketFileKey, number>,
  processScan: boolean,
  notes: string[],
): DiscoveryReport {
  const byKind = (item: Probed): number => kinds.indexOf(item.entry.kind);
  const rank = (item: Probed): number => Math.min(...item.entry.sources.map((source) => METHOD_RANK[source.method]));
  const ordered = [...probed].sort((a, b) => byKind(a) - byKind(b) || rank(a) - rank(b));
  const groups = new Map<string, Probed[]>();
  for (const item of ordered) {
    if (item.outcome.status !== "found" || "engine" in item.outcome) continue;
    const pid = item.entry.pid || pidOfFile.get(item.file) || item.outcome.pid || 0;
    const id = (item.entry.kind.idNamesEngine ?? true) ? item.outcome.id : "";
    const key = identityKey(item.entry.kind.name, id, pid, item.file, item.entry.endpoint);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const engineOf = new Map<Probed, { engine: DiscoveredEngine; first: boolean }>();
  const engines: DiscoveredEngine[] = [];
  for (const [key, items] of groups) {
    const [first] = items;
    const result = first!.outcome as Extract<ProbeResult, { status: "found" }>;
    const pid = items.map((item) => item.entry.pid || pidOfFile.get(item.file) || 0).find((p) => p !== 0) || result.pid || 0;
    const engine: DiscoveredEngine = {
      key,
      kind: first!.entry.kind.name,
      type: result.type,
      api: first!.entry.endpoint,
      version: result.version,
      id: result.id,
      pid,
      sources: items.flatMap((item) => item.entry.sources),
      alsoAt: items.slice(1).map((item) => item.entry.endpoint),
    };
    engines.push(engine);
    items.forEach((item, index) => engineOf.set(item, { engine, first: index === 0 }));
  }
  const candidates: DiscoveryCandidate[] = ordered.map((item) => {
    const found = engineOf.get(item);
    const outcome: CandidateOutcome = found !== undefined
      ? { status: "found", engine: found.engine, ...(found.first ? {} : { duplicateOf: found.engine.key }) }
      : item.outcome as CandidateOutcome;
    return { kind: item.entry.kind.name, endpoint: item.entry.endpoint, sources: item.entry.sources, outcome };
  });
  return { engines, candidates, processScan, notes };
}

/**
 * See {@linkcode DiscoveredEngine.key}. An engine ID alone is not enough:
 * engines started from one copied data root share it, so the PID (where
 * known) goes with it.
 */
export function identityKey(kind: string, id: string, pid: number, file: SocketFileKey, endpoint: string): string {
  if (id !== "") return `${kind}/id:${id}${pid !== 0 ? `@pid:${pid}` : ""}`;
  if (file !== "") return `${kind}/socket:${file}`;
  return `${kind}/endpoint:${endpoint}`;
}
