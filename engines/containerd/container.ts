/**
 * Turns containerd's container and task records into whalewatcher
 * {@linkcode Container} values.
 *
 * @module
 */

import { newContainer } from "../../lib/model/container.ts";
import type { Container } from "../../lib/model/container.ts";
import type { Container as ContainerRecord } from "./gen/containerd/services/containers/v1/containers_pb.ts";
import { Status } from "./gen/containerd/types/task/task_pb.ts";
import type { Process } from "./gen/containerd/types/task/task_pb.ts";
import { COMPOSE_PROJECT_LABEL, NERDCTL_NAME_LABEL, namespacedRef } from "./naming.ts";

/** The containerd records a packer receives for a container. */
export interface ContainerdRecord {
  /** The container record from `Containers/List` or `Containers/Get`. */
  readonly container: ContainerRecord;
  /** The task (init process) from `Tasks/List` or `Tasks/Get`. */
  readonly process: Process;
}

/**
 * Computes application data ("rucksack") to attach to a container from its
 * containerd records.
 */
export type ContainerdPacker = (container: Container, record: ContainerdRecord) => unknown;

/** Whether a task counts as alive (it has a running or frozen init process). */
export function isAlive(process: Process): boolean {
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
