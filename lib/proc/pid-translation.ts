/**
 * PIDs from another PID namespace, as an engine running inside a container
 * reports them, translated to the PIDs of the /proc tree being read (the
 * host's): through the `NSpid:` line of `/proc/PID/status`, which lists a
 * process's PID in every namespace from the reader's outwards in.
 *
 * @module
 */

import { mapConcurrent } from "../async/pool.ts";
import { ProcAccessError, type ProcFs } from "./procfs.ts";

/** How many `status` files are read at a time. */
const READ_CONCURRENCY = 32;

/**
 * Translates `pids`, as seen in the PID namespace of the process
 * `observer` (host PID; e.g. an engine inside a container), to host PIDs.
 * Resolves a map from each PID found to its host PID; PIDs of processes that
 * are gone (or unreadable) are missing from it. When `observer` shares the
 * reader's PID namespace, every PID maps to itself; when `observer` is gone,
 * the map is empty.
 *
 * A PID of the observer's namespace names one process in that namespace or
 * in a namespace nested inside it (a container of the inner engine), so the
 * match must be in that namespace: PIDs of sibling namespaces (other
 * containers) repeat the same numbers.
 *
 * @example
 * ```ts
 * import { ProcFs } from "./procfs.ts";
 * import { hostPids } from "./pid-translation.ts";
 * const map = await hostPids(new ProcFs(), process.pid, [process.pid]);
 * console.assert(map.get(process.pid) === process.pid); // the reader's own namespace
 * ```
 */
export async function hostPids(proc: ProcFs, observer: number, pids: readonly number[]): Promise<Map<number, number>> {
  const result = new Map<number, number>();
  const own = await proc.status(observer);
  if (own === undefined) return result;
  const level = own.nspid.length;
  if (level <= 1) {
    for (const pid of pids) result.set(pid, pid);
    return result;
  }
  const namespace = await proc.pidNamespace(observer);
  const wanted = new Set(pids);
  const all = await proc.pids();
  const statuses = await mapConcurrent(all, READ_CONCURRENCY, async (pid) => ({ pid, nspid: await nspidOf(proc, pid) }));
  const depth = new Map(statuses.map(({ pid, nspid }) => [pid, nspid?.length ?? 0]));
  for (const { pid, nspid } of statuses) {
    if (nspid === undefined || nspid.length < level) continue;
    const inner = nspid[level - 1]!;
    if (!wanted.has(inner) || result.has(inner)) continue;
    if (await inNamespace(proc, pid, level, namespace, depth)) result.set(inner, pid);
  }
  return result;
}

/**
 * Whether host process `pid`, `level` or more namespaces deep, is in
 * `namespace` or a namespace nested in it: the process itself when exactly
 * `level` deep, else its nearest ancestor that is (a nested container's
 * initial process is a child of its engine's shim, which runs in the
 * engine's namespace).
 */
async function inNamespace(
  proc: ProcFs,
  pid: number,
  level: number,
  namespace: string | undefined,
  depth: ReadonlyMap<number, number>,
): Promise<boolean> {
  let current = pid;
  while ((depth.get(current) ?? 0) > level) {
    const stat = await proc.stat(current);
    if (stat === undefined || stat.ppid <= 0) return false;
    current = stat.ppid;
  }
  if (depth.get(current) !== level) return false;
  try {
    return (await proc.pidNamespace(current)) === namespace;
  } catch (error) {
    if (error instanceof ProcAccessError) return false;
    throw error;
  }
}

async function nspidOf(proc: ProcFs, pid: number): Promise<readonly number[] | undefined> {
  try {
    return (await proc.status(pid))?.nspid;
  } catch (error) {
    if (error instanceof ProcAccessError) return undefined;
    throw error;
  }
}
