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

/** The fields from which {@linkcode newContainer} creates a container. */
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
 * import { newContainer } from "./container.ts";
 * const c = newContainer({ id: "abc", name: "web", pid: 42, project: "shop" });
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

/** Returns `container` with its paused state set to `paused` (a new value when it changes). */
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
 */
export type Packer<Raw = unknown> = (container: Container, raw: Raw) => unknown;
