/**
 * Composer projects: the containers of one docker-compose / nerdctl project.
 *
 * @module
 */

import type { Container } from "./container.ts";
import type { PersistentMap } from "./pmap.ts";

/**
 * What a project reads its containers from and writes pause changes to.
 *
 * @example A portfolio is the owner of its projects
 * ```ts
 * import { ComposerProject, newContainer, Portfolio, type ProjectOwner } from "@whalewatcher/whalewatcher";
 *
 * const owner: ProjectOwner = new Portfolio();
 * (owner as Portfolio).add(newContainer({ id: "1", name: "web", pid: 101, project: "shop" }));
 * console.log(new ComposerProject("shop", owner).containerNames()); // ["web"]
 * ```
 */
export interface ProjectOwner {
  /** The container with this ID or name, in any project. */
  container(nameOrId: string): Container | undefined;
  /** The containers of the named project, keyed by ID. */
  projectContainers(name: string): PersistentMap<Container> | undefined;
  /** Replaces the container's value with one in the given paused state. */
  setPaused(nameOrId: string, paused: boolean): Container | undefined;
}

/**
 * A read-only view of one composer project: what a watcher's snapshot hands
 * out ({@linkcode ComposerProject} without {@linkcode ComposerProject.setPaused}).
 *
 * @example The projects of a watcher's snapshot
 * ```ts
 * import { DockerClient, type ReadonlyComposerProject, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * for (const name of watcher.portfolio.names()) {
 *   const project: ReadonlyComposerProject = watcher.portfolio.project(name)!;
 *   console.log(project.name, project.containers().map((c) => c.pid));
 * }
 * ```
 */
export interface ReadonlyComposerProject {
  /** The project's name; `""` for standalone containers. */
  readonly name: string;
  /** The container with this ID or name, if it belongs to this project. */
  container(nameOrId: string): Container | undefined;
  /** Names of this project's containers, sorted. */
  containerNames(): string[];
  /** This project's containers. */
  containers(): Container[];
  /** Renders the project and its container names, e.g. `project "shop": ["db","web"]`. */
  toString(): string;
}

/**
 * The alive containers of one composer project, or with the name `""` the
 * standalone containers that belong to no project. A project is a live view
 * of the portfolio it came from.
 *
 * @example A project is a live view of its portfolio
 * ```ts
 * import { newContainer, Portfolio } from "@whalewatcher/whalewatcher";
 *
 * const portfolio = new Portfolio();
 * portfolio.add(newContainer({ id: "1", name: "web", pid: 101, project: "shop" }));
 * portfolio.add(newContainer({ id: "2", name: "db", pid: 102, project: "shop" }));
 * const shop = portfolio.project("shop")!;
 * shop.setPaused("db", true);
 * console.log(shop.containerNames(), portfolio.container("db")?.paused); // ["db", "web"] true
 * ```
 */
export class ComposerProject implements ReadonlyComposerProject {
  /** The project's name; `""` for standalone containers. */
  readonly name: string;
  readonly #owner: ProjectOwner;

  /** Creates a view of the named project in `owner`. */
  constructor(name: string, owner: ProjectOwner) {
    this.name = name;
    this.#owner = owner;
  }

  /** The container with this ID or name, if it belongs to this project. */
  container(nameOrId: string): Container | undefined {
    const container = this.#owner.container(nameOrId);
    return container?.project === this.name ? container : undefined;
  }

  /** Names of this project's containers, sorted. */
  containerNames(): string[] {
    return this.containers().map((c) => c.name).sort();
  }

  /** This project's containers. */
  containers(): Container[] {
    return [...(this.#owner.projectContainers(this.name)?.values() ?? [])];
  }

  /**
   * Sets the paused state of one of this project's containers (replacing its
   * immutable value in the portfolio).
   *
   * @returns the updated container, or `undefined` when it is not in this project.
   */
  setPaused(nameOrId: string, paused: boolean): Container | undefined {
    return this.container(nameOrId) ? this.#owner.setPaused(nameOrId, paused) : undefined;
  }

  /** Renders the project and its container names, e.g. `project "shop": ["db","web"]`. */
  toString(): string {
    return `project ${JSON.stringify(this.name)}: ${JSON.stringify(this.containerNames())}`;
  }
}
