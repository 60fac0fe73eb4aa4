/**
 * TEST-ONLY: a CRI client that creates, starts, stops and removes pods and
 * containers, for the real-engine tests. The library's CriClient is
 * read-only; this one uses the write calls of tests/cri/proto.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import type { Client } from "@connectrpc/connect";
import { createUnixGrpcTransport } from "../../lib/transport/grpc.ts";
import type { UnixGrpcTransport } from "../../lib/transport/grpc.ts";
import { NamespaceMode, RuntimeService as AdminService } from "./gen/runtime/v1/testing_pb.ts";
import type { PodSandboxConfig } from "./gen/runtime/v1/testing_pb.ts";
import { RuntimeService } from "../../engines/cri/gen/runtime/v1/api_pb.ts";

/** The image the CRI test containerd is started with (scripts/engines/cri.mjs). */
export const CRI_TEST_IMAGE = "docker.io/library/ww-pause:1";

/** A pod created by {@linkcode CriAdmin.runPod}. */
export interface TestPod {
  /** Sandbox ID. */
  readonly id: string;
  /** The config it was created with (CreateContainer needs it again). */
  readonly config: PodSandboxConfig;
}

/** Writes to a CRI runtime: pods and containers for the tests, and their teardown. */
export class CriAdmin {
  readonly #grpc: UnixGrpcTransport;
  readonly #admin: Client<typeof AdminService>;
  readonly #runtime: Client<typeof RuntimeService>;
  /** The directory holding the pods' log directories (the runtime creates one per pod), made on the first pod. */
  #logDir: string | undefined;

  /**
   * Connects lazily to the CRI socket. The pods' logs go to a temporary
   * directory of this admin's own, removed by {@linkcode CriAdmin.close}.
   */
  constructor(socket: string) {
    this.#grpc = createUnixGrpcTransport({ socketPath: socket, requestTimeoutMs: 60_000 });
    this.#admin = createClient(AdminService, this.#grpc.transport);
    this.#runtime = createClient(RuntimeService, this.#grpc.transport);
  }

  /** Runs a host-network pod sandbox. */
  async runPod(namespace: string, name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Promise<TestPod> {
    const uid = `${namespace}-${name}-${Math.random().toString(16).slice(2, 10)}`;
    const config = {
      metadata: { name, namespace, uid, attempt: 0 },
      logDirectory: join(this.#logDir ??= mkdtempSync(join(tmpdir(), "ww-cri-logs-")), uid),
      labels,
      annotations,
      linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.POD, ipc: NamespaceMode.POD } } },
    } as PodSandboxConfig;
    const { podSandboxId } = await this.#admin.runPodSandbox({ config });
    return { id: podSandboxId, config };
  }

  /** Creates and starts a container running `command` in the pod; returns its ID. */
  async runContainer(pod: TestPod, name: string, command: string[], annotations: Record<string, string> = {}): Promise<string> {
    const { containerId } = await this.#admin.createContainer({
      podSandboxId: pod.id,
      sandboxConfig: pod.config,
      config: {
        metadata: { name, attempt: 0 },
        image: { image: CRI_TEST_IMAGE },
        command,
        envs: [{ key: "PATH", value: "/bin" }],
        labels: { "ww.test": "yes" },
        annotations,
        logPath: `${name}.log`,
      },
    });
    await this.#admin.startContainer({ containerId });
    return containerId;
  }

  /** Stops a container at once (timeout 0: SIGKILL; `sleep` as PID 1 ignores SIGTERM). */
  async stopContainer(id: string): Promise<void> {
    await this.#admin.stopContainer({ containerId: id, timeout: 0n });
  }

  /** Stops a pod (its sandbox becomes NOTREADY, its containers exit) without removing it. */
  async stopPod(id: string): Promise<void> {
    await this.#admin.stopPodSandbox({ podSandboxId: id });
  }

  /** Stops and removes a pod with its containers. */
  async removePod(id: string): Promise<void> {
    await this.#admin.stopPodSandbox({ podSandboxId: id });
    await this.#admin.removePodSandbox({ podSandboxId: id });
  }

  /**
   * Stops and removes the pods of one Kubernetes namespace (and so their
   * containers): each test file tears down only its own pods, since the
   * files of a runtime run at the same time against the same CRI.
   */
  async removePods(namespace: string): Promise<void> {
    const { items } = await this.#runtime.listPodSandbox({});
    for (const pod of items) if (pod.metadata?.namespace === namespace) await this.removePod(pod.id);
  }

  /** Stops and removes every pod of the runtime (and so every container). */
  async removeAllPods(): Promise<void> {
    const { items } = await this.#runtime.listPodSandbox({});
    for (const pod of items) await this.removePod(pod.id);
  }

  /**
   * The truth for one Kubernetes namespace: its READY sandboxes and RUNNING
   * containers with their PIDs (verbose status), named as the watcher
   * names them (sandbox ID; `<namespace>/<pod>/<container>`).
   */
  async alive(namespace: string): Promise<Array<{ id: string; name: string; pid: number; paused: boolean }>> {
    const { items } = await this.#runtime.listPodSandbox({});
    const pods = new Map(items.filter((pod) => pod.metadata?.namespace === namespace).map((pod) => [pod.id, pod]));
    const { containers } = await this.#runtime.listContainers({});
    const pidOf = (info: { [key: string]: string }): number => (JSON.parse(info["info"] ?? "{}") as { pid?: number }).pid ?? 0;
    const alive: Array<{ id: string; name: string; pid: number; paused: boolean }> = [];
    for (const pod of pods.values()) {
      if (pod.state !== 0) continue; // READY
      const { info } = await this.#runtime.podSandboxStatus({ podSandboxId: pod.id, verbose: true });
      alive.push({ id: pod.id, name: pod.id, pid: pidOf(info), paused: false });
    }
    for (const container of containers) {
      const pod = pods.get(container.podSandboxId);
      if (pod === undefined || container.state !== 1) continue; // RUNNING
      const { info } = await this.#runtime.containerStatus({ containerId: container.id, verbose: true });
      alive.push({ id: container.id, name: `${namespace}/${pod.metadata!.name}/${container.metadata!.name}`, pid: pidOf(info), paused: false });
    }
    return alive;
  }

  /** The exit code of a container, from its status. */
  async exitCode(id: string): Promise<{ state: number; exitCode: number }> {
    const { status } = await this.#runtime.containerStatus({ containerId: id });
    return { state: status?.state ?? -1, exitCode: status?.exitCode ?? -1 };
  }

  /** Closes the connection and removes the pods' log directories (remove the pods first). */
  close(): void {
    this.#grpc.close();
    if (this.#logDir !== undefined) rmSync(this.#logDir, { recursive: true, force: true });
  }
}
