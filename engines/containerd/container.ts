/**
 * Turns containerd's container and task records into whalewatcher
 * {@linkcode Container} values.
 *
 * @module
 */

import { newContainer } from "../../lib/model/container.ts";
import type { Container, Packer } from "../../lib/model/container.ts";
import type { Container as ContainerRecord } from "./gen/containerd/services/containers/v1/containers_pb.ts";
import { Status } from "./gen/containerd/types/task/task_pb.ts";
import type { Process } from "./gen/containerd/types/task/task_pb.ts";
import { COMPOSE_PROJECT_LABEL } from "../../lib/model/labels.ts";
import { NERDCTL_NAME_LABEL, namespacedRef } from "./naming.ts";

/**
 * A protobuf `Any`: a message of the type `typeUrl` names, serialized.
 *
 * @example Read the OCI spec a container was created with
 * ```ts
 * import { type ContainerdAny, ContainerdClient } from "@whalewatcher/whalewatcher";
 *
 * const specOf = (any: ContainerdAny | undefined) =>
 *   any === undefined ? undefined : JSON.parse(new TextDecoder().decode(any.value)) as { process?: { args?: string[] } };
 * await using client = new ContainerdClient({ packer: (_c, raw) => specOf(raw.container.spec)?.process?.args });
 * for (const container of await client.list()) console.log(container.name, container.rucksack);
 * ```
 */
export interface ContainerdAny {
  /** The type, e.g. `types.containerd.io/opencontainers/runtime-spec/1/Spec`. */
  readonly typeUrl: string;
  /** The serialized message (for the OCI spec: its JSON). */
  readonly value: Uint8Array;
}

/**
 * The parts of containerd's container record (`Containers/List`,
 * `Containers/Get`) a packer can use. The generated message has these fields
 * and more; this view keeps generated types out of the public API.
 *
 * @example Keep each container's image
 * ```ts
 * import { ContainerdClient, type ContainerdContainerRecord } from "@whalewatcher/whalewatcher";
 *
 * const imageOf = (record: ContainerdContainerRecord) => record.image;
 * await using client = new ContainerdClient({ packer: (_c, raw) => imageOf(raw.container) });
 * for (const container of await client.list()) console.log(container.name, container.rucksack);
 * ```
 */
export interface ContainerdContainerRecord {
  /** The container ID within its namespace. */
  readonly id: string;
  /** The container's labels. */
  readonly labels: { readonly [key: string]: string };
  /** The image reference the container was created from. */
  readonly image: string;
  /** The runtime, e.g. `io.containerd.runc.v2`. */
  readonly runtime?: { readonly name: string } | undefined;
  /** The OCI runtime spec. */
  readonly spec?: ContainerdAny | undefined;
  /** The snapshotter of the root filesystem. */
  readonly snapshotter: string;
  /** The snapshot key of the root filesystem. */
  readonly snapshotKey: string;
  /** Extensions attached by clients such as nerdctl. */
  readonly extensions: { readonly [key: string]: ContainerdAny };
}

/**
 * The parts of containerd's task process record (`Tasks/List`, `Tasks/Get`) a packer can use.
 *
 * @example The task's PID and status as containerd reports them
 * ```ts
 * import { ContainerdClient, type ContainerdProcessRecord } from "@whalewatcher/whalewatcher";
 *
 * const task = (process: ContainerdProcessRecord) => `${process.id}: pid ${process.pid}, status ${process.status}`;
 * await using client = new ContainerdClient({ packer: (_c, raw) => task(raw.process) });
 * for (const container of await client.list()) console.log(container.rucksack);
 * ```
 */
export interface ContainerdProcessRecord {
  /** The process (task) ID: the container ID for the init process. */
  readonly id: string;
  /** The process ID on the host. */
  readonly pid: number;
  /** containerd's task status: 0 unknown, 1 created, 2 running, 3 stopped, 4 paused, 5 pausing. */
  readonly status: number;
}

/**
 * The containerd records a packer receives for a container.
 *
 * @example Both records of a container
 * ```ts
 * import { ContainerdClient, type ContainerdRecord } from "@whalewatcher/whalewatcher";
 *
 * const summary = ({ container, process }: ContainerdRecord) => ({ image: container.image, runtime: container.runtime?.name, pid: process.pid });
 * await using client = new ContainerdClient({ packer: (_c, raw) => summary(raw) });
 * for (const container of await client.list()) console.log(container.name, container.rucksack);
 * ```
 */
export interface ContainerdRecord {
  /** The container record. */
  readonly container: ContainerdContainerRecord;
  /** The task (init process). */
  readonly process: ContainerdProcessRecord;
}

/**
 * Computes application data ("rucksack") to attach to a container from its
 * containerd records.
 *
 * @example A packer for containerd
 * ```ts
 * import { ContainerdClient, type ContainerdPacker, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const snapshotter: ContainerdPacker = (_container, raw) => raw.container.snapshotter;
 * await using watcher = new Watcher(new ContainerdClient({ packer: snapshotter }));
 * void watcher.watch();
 * await watcher.ready;
 * for (const container of watcher.portfolio.allContainers()) console.log(container.name, container.rucksack);
 * ```
 */
export type ContainerdPacker = Packer<ContainerdRecord>;

/** Whether a task counts as alive (it has a running or frozen init process). */
export function isAlive(process: ContainerdProcessRecord): boolean {
  return process.pid > 0 &&
    (process.status === Status.RUNNING || process.status === Status.PAUSED || process.status === Status.PAUSING);
}

/**
 * Builds the whalewatcher container for a containerd container and its task
 * in `namespace`, or returns `undefined` when the task is not alive.
 */
export function toContainer(
  namespace: string,
  record: ContainerdRecord,
  packer?: ContainerdPacker,
): Container | undefined {
  const { container, process } = record;
  if (!isAlive(process)) return undefined;
  const labels = container.labels;
  const nerdctlName = labels[NERDCTL_NAME_LABEL];
  const value = newContainer({
    id: namespacedRef(namespace, container.id),
    name: namespacedRef(namespace, nerdctlName || container.id),
    labels,
    pid: process.pid,
    project: labels[COMPOSE_PROJECT_LABEL] ?? "",
    paused: process.status !== Status.RUNNING,
  });
  if (packer === undefined) return value;
  return newContainer({ ...value, rucksack: packer(value, record) });
}

/**
 * The alive containers of one namespace, from its task list and container
 * list. A task's `id` is its container's ID (its `container_id` is empty in
 * list responses); tasks whose container is missing (deleted in between) are
 * skipped.
 */
export function aliveContainers(
  namespace: string,
  tasks: readonly Process[],
  containers: readonly ContainerRecord[],
  packer?: ContainerdPacker,
): Container[] {
  const byId = new Map(containers.map((container) => [container.id, container]));
  const result: Container[] = [];
  for (const process of tasks) {
    const container = byId.get(process.id);
    if (container === undefined) continue;
    const value = toContainer(namespace, { container, process }, packer);
    if (value !== undefined) result.push(value);
  }
  return result;
}
