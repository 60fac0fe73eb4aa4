/**
 * Which alive container does a host process belong to? Answered from the
 * watchers' portfolios and a few /proc reads of the process and its
 * ancestry — never an engine round trip. Engine-neutral: it knows containers
 * only by their initial process (`pid`) and their ID.
 *
 * @module
 */

import type { EngineIdentity } from "./events.ts";
import type { Container } from "./model/container.ts";
import type { ReadonlyPortfolio } from "./model/portfolio.ts";
import type { ProcStat } from "./proc/parse.ts";
import { ProcAccessError, ProcFs } from "./proc/procfs.ts";

/**
 * Where containers come from: a watcher (`Watcher` has both) or anything else with a portfolio and an engine.
 *
 * @example Any watcher is a container source
 * ```ts
 * import { ContainerLocator, type ContainerSource, DockerClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * const sources: ContainerSource[] = [watcher];
 * const locator = new ContainerLocator(() => sources);
 * for (const container of watcher.portfolio.allContainers()) {
 *   console.log(container.name, (await locator.containerOf(container.pid))?.match); // "init"
 * }
 * ```
 */
export interface ContainerSource {
  /** The alive containers now. */
  readonly portfolio: ReadonlyPortfolio;
  /** The engine they belong to. */
  readonly identity: EngineIdentity;
}

/**
 * How a process was matched to its container.
 *
 * @example Say how a process was matched
 * ```ts
 * import { type ContainerMatch, hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * const how: Record<ContainerMatch, string> = {
 *   init: "is the container's initial process",
 *   "pid-namespace": "runs in the container's PID namespace",
 *   ancestry: "descends from the container's initial process",
 *   cgroup: "is in the container's cgroup",
 * };
 * await using host = hostWatcher({ rescanInterval: 0, discovery: { processScan: false } });
 * await host.rescan();
 * const found = await host.containerOf(process.pid);
 * console.log(found ? `${found.container.name}: ${how[found.match]}` : "not in a container");
 * ```
 */
export type ContainerMatch =
  /** The process is the container's initial process. */
  | "init"
  /** The process is in the container's own PID namespace (e.g. a `docker exec`'d process, a child of the init). */
  | "pid-namespace"
  /** The container's initial process is an ancestor of the process (a container sharing the host's PID namespace). */
  | "ancestry"
  /** The process's cgroup path names the container's ID. */
  | "cgroup";

/**
 * The container a process belongs to.
 *
 * @example Which container is this process in?
 * ```ts
 * import { ContainerLocator, DockerClient, type ProcessContainer, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * const found: ProcessContainer | undefined = await new ContainerLocator(() => [watcher]).containerOf(process.pid);
 * console.log(found === undefined ? "this process runs on the host" : `${found.container.name} of ${found.engine.type}`);
 * ```
 */
export interface ProcessContainer {
  /** The alive container. */
  readonly container: Container;
  /** The engine that reports it. */
  readonly engine: EngineIdentity;
  /** How the process was matched to it. */
  readonly match: ContainerMatch;
}

/**
 * Options of {@linkcode ContainerLocator}.
 *
 * @example Resolve against a recorded /proc tree
 * ```ts
 * import { ContainerLocator, type ContainerLocatorOptions, Portfolio } from "@whalewatcher/whalewatcher";
 *
 * const options: ContainerLocatorOptions = { procRoot: "/proc", maxAncestry: 16 };
 * const locator = new ContainerLocator(() => [{ portfolio: new Portfolio(), identity: { type: "example", api: "", id: "" } }], options);
 * console.log(await locator.containerOf(1)); // undefined: no containers known
 * ```
 */
export interface ContainerLocatorOptions {
  /** The /proc tree to read; default `/proc`. */
  readonly procRoot?: string | undefined;
  /** How many ancestors are looked at before giving up; default 64 (deeper process trees are very rare). */
  readonly maxAncestry?: number | undefined;
}

const DEFAULT_MAX_ANCESTRY = 64;

/** How many processes' walks an index remembers before it forgets them all (a host with much process churn). */
const MAX_REMEMBERED = 65_536;

/** The alive containers of the sources' portfolios at one time. */
interface Index {
  readonly portfolios: readonly ReadonlyPortfolio[];
  readonly inits: Map<number, Known>;
  byNamespace?: InitsByNamespace;
  byId?: Map<string, Known>;
  /** What the namespace and ancestry rules told, by PID, for these containers. */
  walks?: Map<number, Walk>;
}

/**
 * What the namespace and ancestry rules told about one process (its PID and
 * start time name it for good) under one parent: a PID namespace never
 * changes, and a process whose parent stays the same can gain no container
 * ancestor (an orphan is reparented to one of its ancestors), so for the
 * same containers the same answer holds — except an ancestry match, which an
 * ancestor's death between the process and the container's initial process
 * undoes: that one is not remembered. The cgroup rule is asked every time
 * (a process may be moved into a container's cgroup, as `runc exec` does).
 */
interface Walk {
  readonly starttime: number;
  readonly ppid: number;
  readonly found: ProcessContainer | undefined;
}

/** The initial processes by PID namespace, and how many could not be placed (their namespace may not be read). */
interface InitsByNamespace {
  readonly inits: Map<string, number[]>;
  readonly unplaced: number;
}

/** One alive container with its engine, indexed by its initial process. */
interface Known {
  readonly container: Container;
  readonly engine: EngineIdentity;
}

/**
 * Resolves host processes to the alive containers they belong to. The
 * rules, in order:
 *
 * 1. the process is an alive container's initial process;
 * 2. the process is in the PID namespace of an alive container's initial
 *    process, other than this process's own (that covers `docker exec` and
 *    `ctr task exec`: such processes are children of the engine's shim, not
 *    of the container); when containers share that namespace, the one whose
 *    initial process is an ancestor wins, else the namespace's PID 1;
 * 3. an ancestor (following `PPID`) is an alive container's initial process
 *    (containers that share the host's PID namespace);
 * 4. the process's cgroup path holds an alive container's ID as a path
 *    element (`…/<id>`, `…/<prefix>-<id>.scope`).
 *
 * The PID namespaces of the containers' initial processes are read once per
 * container and kept while it is alive, so a first lookup reads only the
 * process's own `stat` and `ns/pid`, the `stat` of its ancestry (not at all
 * for a host process while no alive container shares the host's PID
 * namespace: it can descend from no initial process) and, last, `cgroup`.
 * What the namespace and ancestry rules told is remembered for the
 * process (by PID and start time, under the same parent) while the alive
 * containers stay the same, so a later lookup of it reads its `stat` and,
 * unless it is in a container's namespace, its `cgroup`.
 *
 * @example
 * ```ts
 * import { ContainerLocator, Portfolio } from "@whalewatcher/whalewatcher";
 *
 * const locator = new ContainerLocator(() => [
 *   { portfolio: new Portfolio(), identity: { type: "example", api: "unix:///nowhere", id: "" } },
 * ]);
 * console.assert((await locator.containerOf(process.pid)) === undefined); // no containers, no owner
 * ```
 */
export class ContainerLocator {
  readonly #sources: () => Iterable<ContainerSource>;
  readonly #proc: ProcFs;
  readonly #maxAncestry: number;
  /** PID namespace of each known initial process (by PID), while its container is alive. */
  readonly #namespaces = new Map<number, string | undefined>();
  /** This process's PID namespace, and the /proc's outermost one (`null`: not known); read once. */
  #ownNamespace: string | undefined | null = null;
  #outermostNamespace: string | undefined | null = null;
  /** The alive containers indexed, for the portfolios they came from (immutable snapshots: the same ones, the same index). */
  #index: Index | undefined;

  /** Resolves against the containers `sources` hold at the time of each lookup. */
  constructor(sources: () => Iterable<ContainerSource>, options: ContainerLocatorOptions = {}) {
    this.#sources = sources;
    this.#proc = new ProcFs({ root: options.procRoot });
    this.#maxAncestry = options.maxAncestry ?? DEFAULT_MAX_ANCESTRY;
  }

  /**
   * The alive container process `pid` belongs to, or `undefined` when it
   * belongs to none (or has exited). Throws {@linkcode ProcAccessError} when
   * the process's `stat` or `cgroup` may not be read. (Its reads are
   * synchronous, see {@linkcode ProcFs}: the lookup is one step.)
   */
  containerOf(pid: number): Promise<ProcessContainer | undefined> {
    return new Promise((resolve) => resolve(this.#lookup(pid))); // a throw rejects
  }

  #lookup(pid: number): ProcessContainer | undefined {
    const inits = this.#inits();
    const own = inits.get(pid);
    if (own !== undefined) return { ...own, match: "init" };
    const stat = this.#proc.statSync(pid);
    if (stat === undefined) return undefined; // gone
    const index = this.#index!;
    const walks = index.walks ??= new Map();
    const walk = walks.get(pid);
    let found: ProcessContainer | undefined;
    if (walk !== undefined && walk.starttime === stat.starttime && walk.ppid === stat.ppid) found = walk.found;
    else {
      // A process whose namespace may not be read (another user's) is left to the rules that read stat and cgroup.
      const namespace = unlessDenied(() => this.#proc.pidNamespaceSync(pid));
      found = this.#byNamespace(pid, namespace, inits) ??
        (this.#mayDescendFromInit(namespace, inits) ? this.#byAncestry(pid, inits, stat, walks) : undefined);
      if (found?.match !== "ancestry" && this.#index === index) {
        if (walks.size >= MAX_REMEMBERED) walks.clear();
        walks.set(pid, { starttime: stat.starttime, ppid: stat.ppid, found });
      }
    }
    return found ?? this.#byCgroup(pid, inits);
  }

  /** The alive containers by initial process, re-indexed when a portfolio changed; forgets the namespaces of containers that are gone. */
  #inits(): Map<number, Known> {
    const sources = [...this.#sources()];
    const known = this.#index;
    if (known !== undefined && known.portfolios.length === sources.length && sources.every((source, i) => known.portfolios[i] === source.portfolio)) {
      return known.inits;
    }
    const inits = new Map<number, Known>();
    for (const source of sources) {
      for (const container of source.portfolio.allContainers()) {
        if (container.pid > 0) inits.set(container.pid, { container, engine: source.identity });
      }
    }
    for (const pid of this.#namespaces.keys()) if (!inits.has(pid)) this.#namespaces.delete(pid);
    this.#index = { portfolios: sources.map((source) => source.portfolio), inits };
    return inits;
  }

  /** The initial processes by PID namespace, for the current index. */
  #initsByNamespace(inits: Map<number, Known>): InitsByNamespace {
    const index = this.#index!;
    if (index.byNamespace !== undefined && index.inits === inits) return index.byNamespace;
    const byNamespace = new Map<string, number[]>();
    let unplaced = 0;
    for (const init of inits.keys()) {
      const namespace = this.#namespaceOf(init);
      if (namespace === undefined) unplaced++;
      else byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), init]);
    }
    const placed = { inits: byNamespace, unplaced };
    if (index.inits === inits) index.byNamespace = placed;
    return placed;
  }

  /**
   * Whether an alive container's initial process may be an ancestor of a
   * process in PID namespace `namespace`. A process's descendants stay in
   * its namespace or in namespaces nested inside it, and this /proc shows
   * only its own namespace and those nested inside: so a process in the
   * /proc's own (outermost) namespace can descend only from initial
   * processes in that namespace (containers sharing the host's), or from
   * one whose namespace is unknown. Most hosts have none, and then a host
   * process's ancestry is not read at all.
   */
  #mayDescendFromInit(namespace: string | undefined, inits: Map<number, Known>): boolean {
    if (namespace === undefined || namespace !== this.#outermostPidNamespace()) return true;
    const placed = this.#initsByNamespace(inits);
    return placed.unplaced > 0 || placed.inits.has(namespace);
  }

  #byNamespace(pid: number, namespace: string | undefined, inits: Map<number, Known>): ProcessContainer | undefined {
    if (namespace === undefined || namespace === this.#ownPidNamespace()) return undefined;
    const sharing = this.#initsByNamespace(inits).inits.get(namespace) ?? [];
    if (sharing.length === 0) return undefined;
    if (sharing.length > 1) {
      const ancestor = this.#byAncestry(pid, new Map(sharing.map((init) => [init, inits.get(init)!])));
      if (ancestor !== undefined) return { ...ancestor, match: "pid-namespace" };
      for (const init of sharing) {
        if (this.#proc.statusSync(init)?.nspid.at(-1) === 1) return { ...inits.get(init)!, match: "pid-namespace" };
      }
    }
    return { ...inits.get(sharing[0]!)!, match: "pid-namespace" };
  }

  /**
   * Walks up from `pid` (whose `stat` may be given, read already). With the
   * remembered walks of these containers, it stops at an ancestor remembered
   * to have no container ancestor (under the same parent, so still true):
   * processes share their ancestry, and a lookup after its siblings' reads
   * only its own part of it.
   */
  #byAncestry(pid: number, inits: Map<number, Known>, first?: ProcStat, walks?: Map<number, Walk>): ProcessContainer | undefined {
    let current = pid;
    for (let depth = 0; depth < this.#maxAncestry; depth++) {
      const stat = depth === 0 && first !== undefined ? first : this.#proc.statSync(current);
      if (stat === undefined || stat.ppid <= 0) return undefined;
      const walk = depth > 0 ? walks?.get(current) : undefined;
      if (walk !== undefined && walk.found === undefined && walk.starttime === stat.starttime && walk.ppid === stat.ppid) return undefined;
      const known = inits.get(stat.ppid);
      if (known !== undefined) return { ...known, match: "ancestry" };
      current = stat.ppid;
    }
    return undefined;
  }

  #byCgroup(pid: number, inits: Map<number, Known>): ProcessContainer | undefined {
    const entries = this.#proc.cgroupSync(pid);
    if (entries === undefined) return undefined;
    const index = this.#index!;
    const byId = index.inits === inits && index.byId !== undefined ? index.byId : new Map<string, Known>();
    if (byId.size === 0) for (const known of inits.values()) byId.set(known.container.id, known);
    if (index.inits === inits) index.byId = byId;
    for (const { path } of entries) {
      for (const element of path.split("/").reverse()) {
        const known = byId.get(cgroupIdCandidate(element)) ?? byId.get(element);
        if (known !== undefined) return { ...known, match: "cgroup" };
      }
    }
    return undefined;
  }

  #namespaceOf(init: number): string | undefined {
    // An initial process we may not look at owns nothing by namespace; the other rules still apply.
    if (!this.#namespaces.has(init)) this.#namespaces.set(init, unlessDenied(() => this.#proc.pidNamespaceSync(init)));
    return this.#namespaces.get(init);
  }

  #ownPidNamespace(): string | undefined {
    if (this.#ownNamespace === null) this.#ownNamespace = this.#proc.pidNamespaceSync("self");
    return this.#ownNamespace;
  }

  /**
   * The namespace of the /proc tree itself (every process it shows is in it
   * or nested inside), when this process is in it (its `NSpid` has one
   * entry); else `undefined`: not known.
   */
  #outermostPidNamespace(): string | undefined {
    if (this.#outermostNamespace === null) {
      this.#outermostNamespace = unlessDenied(() => this.#proc.statusSync("self"))?.nspid.length === 1 ? this.#ownPidNamespace() : undefined;
    }
    return this.#outermostNamespace;
  }
}

/** What `read` returns, or `undefined` when the /proc entry may not be read. */
function unlessDenied<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof ProcAccessError) return undefined;
    throw error;
  }
}

/**
 * The container ID a cgroup path element may carry: systemd scopes and
 * slices name them `<prefix>-<id>.scope`, cgroupfs drivers use the bare ID.
 */
function cgroupIdCandidate(element: string): string {
  const base = element.replace(/\.(scope|slice)$/, "");
  const dash = base.lastIndexOf("-");
  return dash < 0 ? base : base.slice(dash + 1);
}
