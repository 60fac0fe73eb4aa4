/**
 * The portfolio: all alive containers of one engine, grouped into composer
 * projects.
 *
 * @module
 */

import { type Container, withPaused } from "./container.ts";
import { PersistentMap } from "./pmap.ts";
import { ComposerProject, type ProjectOwner, type ReadonlyComposerProject } from "./project.ts";

/** The state a portfolio shares structurally with its clones. */
interface Indexes {
  /** Container ID → container. */
  readonly byId: PersistentMap<Container>;
  /** Container name → container ID. */
  readonly idByName: PersistentMap<string>;
  /** Project name → (container ID → container); "" holds standalone containers. */
  readonly projects: PersistentMap<PersistentMap<Container>>;
}

const EMPTY: Indexes = {
  byId: PersistentMap.empty(),
  idByName: PersistentMap.empty(),
  projects: PersistentMap.empty(),
};

/**
 * A read-only view of a portfolio: what {@linkcode Watcher.portfolio} hands
 * out. A watcher's snapshot never changes under its reader, and it cannot be
 * changed through this view either: no `add`, `remove`, `setPaused` or
 * `clone`; its projects are {@linkcode ReadonlyComposerProject}s.
 *
 * @example What a watcher hands out
 * ```ts
 * import { DockerClient, type ReadonlyPortfolio, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * const snapshot: ReadonlyPortfolio = watcher.portfolio; // never changes under its reader
 * console.log(`${snapshot.containerTotal} alive`, snapshot.names(), snapshot.project("")?.containerNames());
 * ```
 */
export interface ReadonlyPortfolio {
  /** Names of the named composer projects, sorted; without the standalone `""` project. */
  names(): string[];
  /**
   * The project with this name, or `undefined` when it has no alive
   * containers. The standalone project `""` always exists, possibly empty.
   */
  project(name: string): ReadonlyComposerProject | undefined;
  /** The container with this ID or, failing that, this name, in any project. */
  container(nameOrId: string): Container | undefined;
  /** The container with exactly this ID (names are not considered). */
  containerById(id: string): Container | undefined;
  /** Total number of containers over all projects, standalone ones included. */
  readonly containerTotal: number;
  /** Iterates all containers of all projects. */
  allContainers(): IterableIterator<Container>;
  /** Renders all projects with their container names (named projects sorted, standalone last). */
  toString(): string;
}

/**
 * All known composer projects with their alive containers, including the
 * unnamed `""` project of standalone containers. Projects come and go
 * implicitly as containers are added and removed.
 *
 * Lookups by ID or name take O(log₃₂ n). {@linkcode Portfolio.clone} is
 * O(1): clones share structure and evolve independently, which is how a
 * watcher hands out snapshots that never change under their reader.
 *
 * @example
 * ```ts
 * import { Portfolio, newContainer } from "@whalewatcher/whalewatcher";
 * const portfolio = new Portfolio();
 * portfolio.add(newContainer({ id: "1a2b", name: "web", pid: 4242, project: "shop" }));
 * console.log(portfolio.names());              // ["shop"]
 * console.log(portfolio.container("web")?.pid); // 4242
 * ```
 */
export class Portfolio implements ProjectOwner, ReadonlyPortfolio {
  #indexes: Indexes;

  /** Creates an empty portfolio. */
  constructor() {
    this.#indexes = EMPTY;
  }

  /** An independent copy, made in O(1) by sharing structure. */
  clone(): Portfolio {
    const copy = new Portfolio();
    copy.#indexes = this.#indexes;
    return copy;
  }

  /** Names of the named composer projects, sorted; without the standalone `""` project. */
  names(): string[] {
    return [...this.#indexes.projects.keys()].filter((name) => name !== "").sort();
  }

  /**
   * The project with this name, or `undefined` when it has no alive
   * containers. The standalone project `""` always exists, possibly empty.
   */
  project(name: string): ComposerProject | undefined {
    if (name !== "" && !this.#indexes.projects.has(name)) return undefined;
    return new ComposerProject(name, this);
  }

  /** The container with this ID or, failing that, this name, in any project. */
  container(nameOrId: string): Container | undefined {
    const { byId, idByName } = this.#indexes;
    const byID = byId.get(nameOrId);
    if (byID) return byID;
    const id = idByName.get(nameOrId);
    return id === undefined ? undefined : byId.get(id);
  }

  /** The container with exactly this ID (names are not considered). */
  containerById(id: string): Container | undefined {
    return this.#indexes.byId.get(id);
  }

  /** Total number of containers over all projects, standalone ones included. */
  get containerTotal(): number {
    return this.#indexes.byId.size;
  }

  /** Iterates all containers of all projects. */
  allContainers(): IterableIterator<Container> {
    return this.#indexes.byId.values();
  }

  /**
   * Adds a container, creating its project when needed. A container with the
   * same ID is replaced (also when it moved project or was renamed).
   *
   * @returns `true` when no container with this ID was present before.
   */
  add(container: Container): boolean {
    return this.#put(this.#indexes.byId.get(container.id), container);
  }

  /** {@linkcode Portfolio.add} with the container of the same ID, if any, already looked up. */
  #put(existing: Container | undefined, container: Container): boolean {
    if (existing && existing.name === container.name && existing.project === container.project) {
      // Same place and name (a pause flip, a new PID): the name index stays as it is.
      const { byId, idByName, projects } = this.#indexes;
      const project = projects.get(container.project)!;
      this.#indexes = {
        byId: byId.set(container.id, container),
        idByName,
        projects: projects.set(container.project, project.set(container.id, container)),
      };
      return false;
    }
    const indexes = existing ? dropped(this.#indexes, existing) : this.#indexes;
    const project = indexes.projects.get(container.project) ?? PersistentMap.empty<Container>();
    this.#indexes = {
      byId: indexes.byId.set(container.id, container),
      idByName: indexes.idByName.set(container.name, container.id),
      projects: indexes.projects.set(container.project, project.set(container.id, container)),
    };
    return existing === undefined;
  }

  /**
   * Removes the container with this ID or name; when `project` is given, only
   * if the container belongs to that project. A named project left empty is
   * dropped.
   *
   * @returns the removed container, or `undefined` when there was none.
   */
  remove(nameOrId: string, project?: string): Container | undefined {
    const container = this.container(nameOrId);
    if (!container || (project !== undefined && container.project !== project)) return undefined;
    this.#indexes = dropped(this.#indexes, container);
    return container;
  }

  /**
   * Sets the paused state of the container with this ID or name, replacing
   * its immutable value.
   *
   * @returns the updated container, or `undefined` when there is none.
   */
  setPaused(nameOrId: string, paused: boolean): Container | undefined {
    const container = this.container(nameOrId);
    if (!container) return undefined;
    const updated = withPaused(container, paused);
    if (updated !== container) this.#put(container, updated);
    return updated;
  }

  /** @internal The containers of one project, for {@linkcode ComposerProject}. */
  projectContainers(name: string): PersistentMap<Container> | undefined {
    return this.#indexes.projects.get(name);
  }

  /** Renders all projects with their container names (named projects sorted, standalone last). */
  toString(): string {
    return [...this.names(), ""].map((name) => this.project(name)!.toString()).join("\n");
  }
}

function dropped(indexes: Indexes, container: Container): Indexes {
  const project = indexes.projects.get(container.project)!.delete(container.id);
  const idByName = indexes.idByName.get(container.name) === container.id
    ? indexes.idByName.delete(container.name)
    : indexes.idByName;
  return {
    byId: indexes.byId.delete(container.id),
    idByName,
    projects: project.size === 0 && container.project !== ""
      ? indexes.projects.delete(container.project)
      : indexes.projects.set(container.project, project),
  };
}
