/**
 * Turns CRI records (containers, pod sandboxes and their verbose status
 * info) into whalewatcher {@linkcode Container} values. Pure functions: bad
 * input is reported as a reason to skip, never thrown.
 *
 * @module
 */

import { newContainer } from "../../lib/model/container.ts";
import type { Container } from "../../lib/model/container.ts";

/**
 * Prefix under which a container's or sandbox's CRI annotations are copied into its labels (as the Go reference).
 *
 * @example A pod's annotations, back from the labels
 * ```ts
 * import { ANNOTATION_LABEL_PREFIX, CriClient } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * for (const container of await client.list()) {
 *   const annotations = Object.entries(container.labels).filter(([key]) => key.startsWith(ANNOTATION_LABEL_PREFIX));
 *   console.log(container.name, Object.fromEntries(annotations.map(([k, v]) => [k.slice(ANNOTATION_LABEL_PREFIX.length), v])));
 * }
 * ```
 */
export const ANNOTATION_LABEL_PREFIX = "io.kubernetes.annotation/";
/**
 * Label marking a pod sandbox (whalewatcher's own key; value `"true"`).
 *
 * @example Workload containers only, without the pod sandboxes
 * ```ts
 * import { CriClient, SANDBOX_LABEL } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * const workloads = (await client.list()).filter((c) => c.labels[SANDBOX_LABEL] !== "true");
 * console.log(workloads.map((c) => `${c.name} ${c.pid}`));
 * ```
 */
export const SANDBOX_LABEL = "io.kubernetes.sandbox";
/**
 * Label with the pod name (the kubelet sets it too; whalewatcher fills it from the sandbox metadata).
 *
 * @example The pods of a node
 * ```ts
 * import { CriClient, POD_NAME_LABEL, POD_NAMESPACE_LABEL } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * const pods = new Set((await client.list()).map((c) => `${c.labels[POD_NAMESPACE_LABEL]}/${c.labels[POD_NAME_LABEL]}`));
 * console.log([...pods]);
 * ```
 */
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
/**
 * Label with the pod namespace.
 *
 * @example The containers of one Kubernetes namespace
 * ```ts
 * import { CriClient, POD_NAMESPACE_LABEL } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * console.log((await client.list()).filter((c) => c.labels[POD_NAMESPACE_LABEL] === "kube-system").map((c) => c.name));
 * ```
 */
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
/**
 * Label with the pod UID.
 *
 * @example Group by pod UID (pod names repeat over time, UIDs do not)
 * ```ts
 * import { CriClient, POD_UID_LABEL } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * const byUid = Map.groupBy(await client.list(), (c) => c.labels[POD_UID_LABEL]);
 * for (const [uid, containers] of byUid) console.log(uid, containers.length);
 * ```
 */
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
/**
 * Label with the Kubernetes container name (workload containers only).
 *
 * @example The Kubernetes container name, without namespace and pod
 * ```ts
 * import { CONTAINER_NAME_LABEL, CriClient } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * for (const container of await client.list()) console.log(container.name, "→", container.labels[CONTAINER_NAME_LABEL] ?? "(sandbox)");
 * ```
 */
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

/** What a pod contributes to its containers: from the sandbox's metadata, falling back to its labels. */
export interface PodIdentity {
  /** Pod name. */
  readonly name: string;
  /** Pod namespace. */
  readonly namespace: string;
  /** Pod UID. */
  readonly uid: string;
}

/** The parts of a sandbox record (PodSandbox or PodSandboxStatus) this module reads. */
export interface SandboxRecord {
  /** Sandbox ID. */
  readonly id: string;
  /** Pod metadata; absent in a malformed record. */
  readonly metadata?: { readonly name: string; readonly namespace: string; readonly uid: string } | undefined;
  /** Sandbox labels. */
  readonly labels: { readonly [key: string]: string };
  /** Sandbox annotations. */
  readonly annotations: { readonly [key: string]: string };
}

/** The parts of a ContainerStatus this module reads. */
export interface ContainerStatusRecord {
  /** Container ID. */
  readonly id: string;
  /** Container metadata; absent in a malformed record. */
  readonly metadata?: { readonly name: string } | undefined;
  /** Container labels. */
  readonly labels: { readonly [key: string]: string };
  /** Container annotations. */
  readonly annotations: { readonly [key: string]: string };
}

/** The result of a conversion: a container, or why the record was skipped. */
export type Converted = { readonly container: Container } | { readonly skip: string };

/** What the verbose status info says (`info["info"]`, a JSON object). */
export interface VerboseInfo {
  /** Host PID of the container's or sandbox's process (0 when not running). */
  readonly pid: number;
  /** The sandbox ID of a workload container (containerd, CRI-O), when given. */
  readonly sandboxId?: string;
  /** containerd's sandbox process status, e.g. `running` or `paused`. */
  readonly processStatus?: string;
}

/**
 * Parses the verbose status info map; returns a reason string when it is
 * missing, not JSON, or has no usable PID. The JSON is never echoed (it
 * holds the whole OCI spec).
 */
export function parseVerboseInfo(info: { readonly [key: string]: string }): VerboseInfo | string {
  const raw = info["info"];
  if (raw === undefined) return "its verbose status has no info";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `its verbose status info is not JSON (${raw.length} bytes)`;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "its verbose status info is not a JSON object";
  const record = parsed as Record<string, unknown>;
  const pid = record["pid"];
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid < 0) return "its verbose status info has no valid pid";
  if (pid === 0) return "its verbose status info has pid 0 (not running)";
  const sandboxId = record["sandboxID"];
  const processStatus = record["processStatus"];
  return {
    pid,
    ...(typeof sandboxId === "string" && sandboxId !== "" ? { sandboxId } : {}),
    ...(typeof processStatus === "string" ? { processStatus } : {}),
  };
}

/** The pod a sandbox stands for, from its metadata or, where that is empty, the kubelet's labels. */
export function podIdentity(sandbox: SandboxRecord): PodIdentity | undefined {
  const name = sandbox.metadata?.name || sandbox.labels[POD_NAME_LABEL] || "";
  const namespace = sandbox.metadata?.namespace || sandbox.labels[POD_NAMESPACE_LABEL] || "";
  const uid = sandbox.metadata?.uid || sandbox.labels[POD_UID_LABEL] || "";
  if (name === "") return undefined;
  return { name, namespace, uid };
}

/** The project of a pod's containers: `<namespace>/<pod name>`. */
export function podProject(pod: PodIdentity): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Labels, annotations copied under {@linkcode ANNOTATION_LABEL_PREFIX}, and the pod's identity. */
function labelsOf(
  record: { readonly labels: { readonly [key: string]: string }; readonly annotations: { readonly [key: string]: string } },
  pod: PodIdentity,
): Record<string, string> {
  const labels: Record<string, string> = { ...record.labels };
  for (const [key, value] of Object.entries(record.annotations)) labels[ANNOTATION_LABEL_PREFIX + key] = value;
  labels[POD_NAME_LABEL] = pod.name;
  labels[POD_NAMESPACE_LABEL] = pod.namespace;
  if (pod.uid !== "") labels[POD_UID_LABEL] = pod.uid;
  return labels;
}

/**
 * A running workload container: named `<namespace>/<pod>/<container>`
 * (unique on the node, unlike the bare container name), in its pod's
 * project. Never paused: CRI has no pause state for workload containers.
 */
export function workloadContainer(
  status: ContainerStatusRecord,
  info: { readonly [key: string]: string },
  sandbox: SandboxRecord | undefined,
): Converted {
  const verbose = parseVerboseInfo(info);
  if (typeof verbose === "string") return { skip: verbose };
  if (sandbox === undefined) return { skip: "its pod sandbox is gone" };
  const pod = podIdentity(sandbox);
  if (pod === undefined) return { skip: `its pod sandbox ${sandbox.id} has no pod name` };
  const containerName = status.metadata?.name || status.labels[CONTAINER_NAME_LABEL] || status.id;
  const labels = labelsOf(status, pod);
  labels[CONTAINER_NAME_LABEL] = containerName;
  return {
    container: newContainer({
      id: status.id,
      name: `${podProject(pod)}/${containerName}`,
      labels,
      pid: verbose.pid,
      project: podProject(pod),
    }),
  };
}

/**
 * A ready pod sandbox: named by its sandbox ID (as the Go reference), marked
 * with {@linkcode SANDBOX_LABEL}, a member of its pod's project, paused when
 * containerd's verbose info says its process is.
 */
export function sandboxContainer(sandbox: SandboxRecord, info: { readonly [key: string]: string }): Converted {
  const verbose = parseVerboseInfo(info);
  if (typeof verbose === "string") return { skip: verbose };
  const pod = podIdentity(sandbox);
  if (pod === undefined) return { skip: "it has no pod name" };
  const labels = labelsOf(sandbox, pod);
  labels[SANDBOX_LABEL] = "true";
  return {
    container: newContainer({
      id: sandbox.id,
      name: sandbox.id,
      labels,
      pid: verbose.pid,
      project: podProject(pod),
      paused: verbose.processStatus === "paused",
    }),
  };
}
