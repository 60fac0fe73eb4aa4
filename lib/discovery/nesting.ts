/**
 * Engines inside containers: which found engine runs in a container of
 * which other found engine. An engine process in the host's own PID and
 * mount namespaces runs on the host; for the others, the containers of every
 * engine are listed once and the engine's process is located among them as
 * any process is ({@linkcode ContainerLocator}: in the container's PID
 * namespace, or a descendant of its initial process, or in its cgroup).
 *
 * @module
 */

import { linkSignals } from "../async/signals.ts";
import { ContainerLocator, type ContainerSource } from "../container-of.ts";
import type { EngineIdentity } from "../events.ts";
import type { Container } from "../model/container.ts";
import { Portfolio } from "../model/portfolio.ts";
import { ProcAccessError, type ProcFs } from "../proc/procfs.ts";
import type { DiscoveredEngine } from "./types.ts";

/** Lists the alive containers of a found engine. */
export type ListContainers = (engine: DiscoveredEngine, signal: AbortSignal) => Promise<readonly Container[]>;

/**
 * `engines` with {@linkcode DiscoveredEngine.parent} set on those that run
 * inside a container of another of them, and notes on engines whose
 * containers could not be listed within `timeoutMs` (an engine inside one of
 * their containers then goes without a parent). Lists nothing when every
 * engine process runs in the reader's PID and mount namespaces.
 *
 * @example
 * ```ts
 * import { withParents } from "./nesting.ts";
 * import { ProcFs } from "../proc/procfs.ts";
 * const { engines } = await withParents([], async () => [], new ProcFs(), 1_000);
 * console.assert(engines.length === 0);
 * ```
 */
export async function withParents(
  engines: readonly DiscoveredEngine[],
  list: ListContainers,
  proc: ProcFs,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ engines: DiscoveredEngine[]; notes: string[] }> {
  const notes: string[] = [];
  const candidates: DiscoveredEngine[] = [];
  for (const engine of engines) if (await apart(proc, engine.pid)) candidates.push(engine);
  if (candidates.length === 0) return { engines: [...engines], notes };

  const link = linkSignals(signal);
  const timer = setTimeout(() => link.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const engineOf = new Map<EngineIdentity, DiscoveredEngine>();
  let sources: ContainerSource[];
  try {
    sources = (await Promise.all(engines.map(async (engine) => {
      try {
        const portfolio = new Portfolio();
        for (const container of await list(engine, link.signal)) portfolio.add(container);
        const identity: EngineIdentity = { type: engine.type, api: engine.api, id: engine.id };
        engineOf.set(identity, engine);
        return [{ portfolio, identity }];
      } catch (error) {
        signal?.throwIfAborted();
        const reason = link.signal.aborted ? String(link.signal.reason) : (error as Error).message;
        notes.push(`the containers of ${engine.key} could not be listed (${reason}): engines inside them are not told`);
        return [];
      }
    }))).flat();
  } finally {
    clearTimeout(timer);
    link.dispose();
  }

  const parents = new Map<DiscoveredEngine, DiscoveredEngine["parent"]>();
  for (const engine of candidates) {
    const others = sources.filter((source) => engineOf.get(source.identity) !== engine);
    const found = await new ContainerLocator(() => others, { procRoot: proc.root }).containerOf(engine.pid).catch((error) => {
      if (error instanceof ProcAccessError) return undefined;
      throw error;
    });
    if (found === undefined) continue;
    const outer = engineOf.get(found.engine)!;
    parents.set(engine, { engine: outer.key, containerId: found.container.id, containerName: found.container.name });
  }
  return { engines: engines.map((engine) => parents.has(engine) ? { ...engine, parent: parents.get(engine)! } : engine), notes };
}

/** Whether process `pid` runs in another PID or mount namespace than the reader (then it may be in a container). */
async function apart(proc: ProcFs, pid: number): Promise<boolean> {
  if (pid <= 0) return false;
  try {
    const [pidNs, ownPidNs, mountNs, ownMountNs] = await Promise.all([
      proc.pidNamespace(pid),
      proc.pidNamespace("self"),
      proc.mountNamespace(pid),
      proc.mountNamespace("self"),
    ]);
    if (pidNs === undefined || mountNs === undefined) return false; // gone
    return pidNs !== ownPidNs || mountNs !== ownMountNs;
  } catch (error) {
    if (error instanceof ProcAccessError) return false;
    throw error;
  }
}
