/**
 * The immutable container value at the heart of the model.
 *
 * @module
 */

/**
 * A deliberately limited view of an *alive* container: one that has an
 * initial process (running or frozen) and thus a PID. Created and dead
 * containers are never represented.
 *
 * Containers are immutable values: changing one (for instance its paused
 * state) means replacing it with a new value, so a reference handed out
 * earlier never changes under its holder.
 *
 * @example Read what a watcher knows of a container
 * ```ts
 * import { type Container, newContainer } from "@whalewatcher/whalewatcher";
 *
 * const web: Container = newContainer({ id: "4f1c", name: "web", pid: 4242, project: "shop", labels: { tier: "front" } });
 * console.log(`${web.name} (${web.id}) has PID ${web.pid} in project "${web.project}", paused: ${web.paused}`);
 * ```
 */
export interface Container {
  /** Unique identifier of the container within its engine. */
  readonly id: string;
  /** User-friendly name (for Docker without the leading `/`). */
  readonly name: string;
  /** Labels assigned to the container. */
  readonly labels: Readonly<Record<string, string>>;
  /** Host PID of the container's initial process; always greater than 0. */
  readonly pid: number;
  /** Composer project name, or `""` for a standalone container. */
  readonly project: string;
  /** `true` when the container is paused (frozen), `false` when running. */
  readonly paused: boolean;
  /** Optional application data attached by an engine client's packer. */
  readonly rucksack?: unknown;
}

/**
 * The fields from which {@linkcode newContainer} creates a container.
 *
 * @example Only the ID and the PID are required
 * ```ts
 * import { type ContainerInit, newContainer } from "@whalewatcher/whalewatcher";
 *
 * const init: ContainerInit = { id: "4f1c", pid: 4242 };
 * const container = newContainer(init);
 * console.assert(container.name === "4f1c" && container.project === "" && !container.paused);
 * ```
 */
export interface ContainerInit {
  /** Unique identifier of the container within its engine. */
  id: string;
  /** User-friendly name; defaults to the ID. */
  name?: string;
  /** Labels; defaults to none. */
  labels?: Readonly<Record<string, string>>;
  /** Host PID of the initial process; must be a positive integer. */
  pid: number;
  /** Composer project name; defaults to `""` (standalone). */
  project?: string;
  /** Paused state; defaults to `false`. */
  paused?: boolean;
  /** Optional application data. */
  rucksack?: unknown;
}

/**
 * Creates a frozen {@linkcode Container} value, validating what the model
 * relies on: a non-empty ID and a positive integer PID.
 *
 * @example
 * ```ts
 * import { newContainer } from "@whalewatcher/whalewatcher";
 *
 * const web = newContainer({ id: "abc", name: "web", pid: 42, project: "shop" });
 * console.assert(Object.isFrozen(web) && web.paused === false);
 * const error = (() => { try { newContainer({ id: "abc", pid: 0 }); } catch (e) { return e; } })();
 * console.assert(error instanceof TypeError); // a container without a process is not alive
 * ```
 */
export function newContainer(init: ContainerInit): Container {
  if (typeof init.id !== "string" || init.id === "") {
    throw new TypeError("container id must be a non-empty string");
  }
  if (!Number.isSafeInteger(init.pid) || init.pid <= 0) {
    throw new TypeError(`container ${init.id}: pid must be a positive integer, got ${String(init.pid)}`);
  }
  const container: Container = {
    id: init.id,
    name: init.name || init.id,
    labels: Object.freeze({ ...(init.labels ?? {}) }),
    pid: init.pid,
    project: init.project ?? "",
    paused: init.paused ?? false,
    ...(init.rucksack !== undefined ? { rucksack: init.rucksack } : {}),
  };
  return Object.freeze(container);
}

/**
 * Returns `container` with its paused state set to `paused` (a new value when it changes).
 *
 * @example A paused copy; the original value never changes
 * ```ts
 * import { newContainer, withPaused } from "@whalewatcher/whalewatcher";
 *
 * const running = newContainer({ id: "4f1c", pid: 4242 });
 * const paused = withPaused(running, true);
 * console.assert(paused.paused && !running.paused);
 * console.assert(withPaused(paused, true) === paused); // no change, same value
 * ```
 */
export function withPaused(container: Container, paused: boolean): Container {
  return container.paused === paused ? container : Object.freeze({ ...container, paused });
}

/**
 * Computes a container's {@linkcode Container.rucksack}: application data an
 * engine client attaches while it lists or inspects a container. `raw` is
 * what the engine said about the container — its type depends on the engine:
 * the Docker client passes the full inspect JSON (`Packer<unknown>`, the
 * default), the containerd client its container and task records
 * (`Packer<ContainerdRecord>`).
 *
 * @example Keep the image of each Docker container in its rucksack
 * ```ts
 * import { DockerClient, type Packer } from "@whalewatcher/whalewatcher";
 *
 * const image: Packer = (_container, inspect) => (inspect as { Config?: { Image?: string } }).Config?.Image;
 * await using client = new DockerClient({ packer: image });
 * for (const container of await client.list()) console.log(container.name, container.rucksack);
 * ```
 */
export type Packer<Raw = unknown> = (container: Container, raw: Raw) => unknown;
