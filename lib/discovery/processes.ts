/**
 * The /proc half of discovery: the processes that the kinds name as engine
 * processes, with the unix sockets they listen on. Processes that exit
 * during the scan are skipped; ones whose descriptors may not be read are
 * reported, so the user sees why an engine was not found.
 *
 * @module
 */

import { mapConcurrent } from "../async/pool.ts";
import type { ProcStat } from "../proc/parse.ts";
import { ProcAccessError, type ProcFs } from "../proc/procfs.ts";
import type { DiscoverableKind } from "./types.ts";

/** How many engine processes are read at a time. */
const PROCESS_CONCURRENCY = 8;

/** A listening socket of an engine process that a kind accepts as its API. */
export interface EngineSocket {
  /** The kind that named the process. */
  readonly kind: DiscoverableKind;
  /** The process. */
  readonly process: ProcStat;
  /** The socket path as the process sees it. */
  readonly path: string;
  /** The path through which this process reaches it. */
  readonly reachablePath: string;
}

/** An engine process whose sockets may not be read. */
export interface DeniedProcess {
  /** The kind that named the process. */
  readonly kind: DiscoverableKind;
  /** The process. */
  readonly process: ProcStat;
  /** Why. */
  readonly error: ProcAccessError;
}

/** A socket an engine process uses for itself (see `DiscoveryFacts.ownedSockets`). */
export interface OwnedSocket {
  /** The kind of the owning process. */
  readonly kind: DiscoverableKind;
  /** The owning process. */
  readonly process: ProcStat;
  /** The path through which this process reaches the socket. */
  readonly reachablePath: string;
}

/** What the process scan found. */
export interface ProcessScan {
  /** Every process the tree listed (for ancestry walks), by PID. */
  readonly processes: ReadonlyMap<number, ProcStat>;
  /** Candidate API sockets of engine processes. */
  readonly sockets: readonly EngineSocket[];
  /** Engine processes whose sockets may not be read. */
  readonly denied: readonly DeniedProcess[];
  /** Sockets engine processes use for themselves. */
  readonly owned: readonly OwnedSocket[];
}

/**
 * Scans `proc` for the kinds' engine processes. Throws
 * {@linkcode ProcAccessError} when the process list itself is unreadable.
 */
export async function scanEngineProcesses(proc: ProcFs, kinds: readonly DiscoverableKind[]): Promise<ProcessScan> {
  const all = await proc.processes();
  const processes = new Map(all.map((stat) => [stat.pid, stat]));
  const matches = all.flatMap((process) =>
    kinds.filter((kind) => kind.processNames.includes(process.comm)).map((kind) => ({ kind, process }))
  );
  const sockets: EngineSocket[] = [];
  const denied: DeniedProcess[] = [];
  const owned: OwnedSocket[] = [];
  await mapConcurrent(matches, PROCESS_CONCURRENCY, async ({ kind, process }) => {
    try {
      const cmdline = await proc.cmdline(process.pid);
      if (cmdline === undefined) return; // exited meanwhile
      if (kind.isEngineProcess !== undefined && !kind.isEngineProcess(process.comm, cmdline)) return;
      const listening = await proc.listeningSockets(process.pid);
      if (listening === undefined) return;
      const ownedPaths = kind.ownedSockets?.(process.comm, cmdline) ?? [];
      const sameMounts = ownedPaths.length === 0 || await proc.sharesMountNamespace(process.pid);
      for (const path of ownedPaths) {
        owned.push({ kind, process, reachablePath: sameMounts ? path : proc.pathOf(process.pid, path) });
      }
      for (const socket of listening) {
        if (socket.abstract || !kind.acceptsSocket(socket.path)) continue;
        sockets.push({ kind, process, path: socket.path, reachablePath: socket.reachablePath });
      }
    } catch (error) {
      if (!(error instanceof ProcAccessError)) throw error;
      denied.push({ kind, process, error });
    }
  });
  return { processes, sockets, denied, owned };
}
