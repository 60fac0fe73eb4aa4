/**
 * Engine drivers for the reliability suites: change a real engine directly
 * with its CLI (never through the fault proxy) and read its ground truth, for
 * the containers of one test run only (the engines are shared with other
 * suites running at the same time).
 *
 * @module
 */

import type { EngineClient } from "../../lib/engine.ts";
import type { FaultProxy, ProxyConnection, SeenRequest } from "../support/fault-proxy.ts";
import { ContainerdClient, type ContainerdClientOptions } from "../../engines/containerd/mod.ts";
import { CriClient, type CriClientOptions } from "../../engines/cri/mod.ts";
import { DockerClient } from "../../engines/docker/mod.ts";
import { ctr, docker, READ_ONLY_CRI_METHODS, READ_ONLY_GRPC_METHODS, stdoutOf, testImage, uniqueName } from "../support/engines.ts";
import { CriAdmin, type TestPod } from "../cri/admin.ts";
import { type Keep, line } from "./support.ts";

/** What the fault scenarios need from an engine (tests/reliability/faults.ts). */
export interface FaultDriver {
  /** For messages, e.g. `dockerd`. */
  readonly label: string;
  /** Starts a new sleeping container; returns its name (as the watcher names it). */
  start(): Promise<string>;
  /** Kills a container's initial process (SIGKILL). */
  kill(name: string): Promise<void>;
  /** Freezes a container, where the engine can (CRI cannot: then no fault round flips a pause). */
  pause?(name: string): Promise<void>;
  /** Thaws a container; there when `pause` is. */
  unpause?(name: string): Promise<void>;
  /** The exit code the exit of a killed container carries, where the engine tells it to the watcher. */
  readonly killExitCode?: number;
  /** The engine's alive containers of this run, as sorted {@linkcode line}s. */
  truth(): Promise<string[]>;
  /** Selects the containers of this run in a portfolio or event. */
  readonly keep: Keep;
  /** A client for the engine behind `endpoint` (the proxy's socket, or the engine itself). */
  client(endpoint: string): EngineClient;
  /**
   * The mutating requests its clients made: for HTTP, any method but
   * GET/HEAD among the requests the proxy saw; for gRPC, any method outside
   * the read-only list, as recorded by a Connect interceptor.
   */
  readOnlyViolations(proxied: readonly SeenRequest[]): string[];
  /** How many requests (HTTP) or calls (gRPC) that check looked at. */
  requestsChecked(proxied: readonly SeenRequest[]): number;
  /** Removes everything this driver created; best effort. */
  cleanup(): Promise<void>;
}

/** What the reliability scenarios need from an engine that can pause and restart containers. */
export interface EngineDriver extends FaultDriver {
  /** Freezes a container. */
  pause(name: string): Promise<void>;
  /** Thaws a container. */
  unpause(name: string): Promise<void>;
  /** Stops a container the engine's usual way (Docker: `stop`; containerd: kill and delete the task). */
  stop(name: string): Promise<void>;
  /** Restarts a container under the same ID with a new initial process. */
  restart(name: string): Promise<void>;
  /** The PID of a container's initial process (0 when not alive). */
  pid(name: string): Promise<number>;
}

/** Label marking the containers of one Docker test run. */
const RUN_LABEL = "ww.reliability.run";

/** Whether a connection carries dockerd's live event stream: its latest request is `/events` without `until`
 * (a bounded replay leaves its kept-alive connection idle, and a fault injected there never reaches the stream). */
function isDockerEventStream(connection: ProxyConnection): boolean {
  const latest = connection.requests.at(-1)?.path ?? "";
  return latest.includes("/events") && !latest.includes("until=");
}

/** The connection carrying dockerd's live event stream (waits, bounded, for it). */
export async function dockerEventStream(proxy: FaultProxy): Promise<ProxyConnection[]> {
  return [await proxy.waitForConnection(isDockerEventStream)];
}

/** Drives a Docker-API engine (dockerd, podman) at `host` with the Docker CLI. */
export class DockerDriver implements EngineDriver {
  readonly label: string;
  readonly #host: string;
  readonly #run = uniqueName("rel");
  readonly #names: string[] = [];
  readonly #image: string;

  constructor(host: string, label = "dockerd", image = testImage()) {
    this.#host = host;
    this.label = label;
    this.#image = image;
  }

  readonly keep: Keep = (c) => c.labels[RUN_LABEL] === this.#run;

  async #ok(...args: string[]): Promise<string> {
    return stdoutOf(await docker(this.#host, ...args), `docker ${args.join(" ")}`);
  }

  async start(): Promise<string> {
    const name = uniqueName("rel");
    this.#names.push(name);
    await this.#ok("run", "-d", "--network", "none", "--label", `${RUN_LABEL}=${this.#run}`, "--name", name, this.#image, "sleep", "1000");
    return name;
  }

  /** Creates a container without starting it; resolves its name and full ID (to watch for requests naming it). */
  async create(): Promise<{ name: string; id: string }> {
    const name = uniqueName("rel");
    this.#names.push(name);
    const id = (await this.#ok("create", "--network", "none", "--label", `${RUN_LABEL}=${this.#run}`, "--name", name, this.#image, "sleep", "1000")).trim();
    return { name, id };
  }

  /** Starts a container made by {@linkcode DockerDriver.create}. */
  async startCreated(name: string): Promise<void> {
    await this.#ok("start", name);
  }

  async kill(name: string): Promise<void> {
    await this.#ok("kill", name);
  }

  async pause(name: string): Promise<void> {
    await this.#ok("pause", name);
  }

  async unpause(name: string): Promise<void> {
    await this.#ok("unpause", name);
  }

  async stop(name: string): Promise<void> {
    await this.#ok("stop", "-t", "0", name);
  }

  async restart(name: string): Promise<void> {
    await this.#ok("restart", "-t", "0", name);
  }

  async pid(name: string): Promise<number> {
    return Number(await this.#ok("inspect", "-f", "{{.State.Pid}}", name));
  }

  /** When a container's last run ended, per the engine (ms since the epoch). */
  async finishedAt(name: string): Promise<number> {
    return Date.parse(await this.#ok("inspect", "-f", "{{.State.FinishedAt}}", name));
  }

  async truth(): Promise<string[]> {
    // `-a`, then alive by PID: podman's `ps` (its /containers/json without all) leaves paused containers out.
    const ids = (await this.#ok("ps", "-a", "-q", "--no-trunc", "--filter", `label=${RUN_LABEL}=${this.#run}`)).split("\n").filter(Boolean);
    if (ids.length === 0) return [];
    const rows = (await this.#ok("inspect", "-f", "{{.Id}} {{.Name}} {{.State.Pid}} {{.State.Paused}}", ...ids)).split("\n");
    return rows
      .map((row) => row.split(" "))
      .filter(([, , pid]) => Number(pid) > 0)
      .map(([id, name, pid, paused]) => line({ id: id!, name: name!.replace(/^\//, ""), pid: Number(pid), paused: paused === "true" }))
      .sort();
  }

  client(endpoint: string): EngineClient {
    return new DockerClient({ host: endpoint, env: {} });
  }

  readOnlyViolations(proxied: readonly SeenRequest[]): string[] {
    return proxied.filter((r) => r.method !== "GET" && r.method !== "HEAD").map((r) => `${r.method} ${r.path}`);
  }

  requestsChecked(proxied: readonly SeenRequest[]): number {
    return proxied.length;
  }

  async cleanup(): Promise<void> {
    if (this.#names.length > 0) await docker(this.#host, "rm", "-f", "-v", ...this.#names.splice(0));
  }
}

/** Drives a containerd at `socket` with `ctr`, in a namespace of its own. */
export class ContainerdDriver implements EngineDriver {
  readonly label: string;
  readonly namespace = uniqueName("rel");
  readonly #socket: string;
  readonly #rootfs: string;
  readonly #ids: string[] = [];
  #next = 0;

  readonly #clientOptions: ContainerdClientOptions;

  constructor(socket: string, rootfs: string, label = "containerd", clientOptions: ContainerdClientOptions = {}) {
    this.#socket = socket;
    this.#rootfs = rootfs;
    this.label = label;
    this.#clientOptions = clientOptions;
  }

  readonly keep: Keep = (c) => c.id.startsWith(`${this.namespace}/`);

  async #ok(...args: string[]): Promise<string> {
    return stdoutOf(await ctr(this.#socket, "-n", this.namespace, ...args), `ctr ${args.join(" ")}`);
  }

  #id(name: string): string {
    return name.slice(this.namespace.length + 1);
  }

  async start(): Promise<string> {
    const id = `c${++this.#next}`;
    this.#ids.push(id);
    await this.#ok("run", "-d", "--rootfs", this.#rootfs, id, "/bin/sleep", "1000");
    return `${this.namespace}/${id}`;
  }

  async kill(name: string): Promise<void> {
    await this.#ok("task", "kill", "-s", "SIGKILL", this.#id(name));
  }

  async pause(name: string): Promise<void> {
    await this.#ok("task", "pause", this.#id(name));
  }

  async unpause(name: string): Promise<void> {
    await this.#ok("task", "resume", this.#id(name));
  }

  async stop(name: string): Promise<void> {
    await this.kill(name);
    await this.#ok("task", "delete", "-f", this.#id(name));
  }

  async restart(name: string): Promise<void> {
    await this.stop(name);
    await this.#ok("task", "start", "-d", this.#id(name));
  }

  async pid(name: string): Promise<number> {
    const row = (await this.#tasks()).find((t) => t.id === this.#id(name));
    return row?.alive ? row.pid : 0;
  }

  async #tasks(): Promise<Array<{ id: string; pid: number; alive: boolean; paused: boolean }>> {
    const rows = (await this.#ok("task", "ls")).split("\n").slice(1).filter(Boolean);
    return rows.map((row) => {
      const [id = "", pid = "0", status = ""] = row.trim().split(/\s+/);
      const paused = status === "PAUSED" || status === "PAUSING";
      return { id, pid: Number(pid), alive: status === "RUNNING" || paused, paused };
    });
  }

  async truth(): Promise<string[]> {
    return (await this.#tasks())
      .filter((t) => t.alive)
      .map((t) => line({ id: `${this.namespace}/${t.id}`, name: `${this.namespace}/${t.id}`, pid: t.pid, paused: t.paused }))
      .sort();
  }

  /** Every gRPC method its clients called, `service/method`. */
  readonly grpcCalls: string[] = [];
  readonly #recorder = (method: string): void => void this.grpcCalls.push(method);

  client(endpoint: string): EngineClient {
    return new ContainerdClient({ ...this.#clientOptions, socket: endpoint, logger: { warn() {} }, onCall: this.#recorder });
  }

  readOnlyViolations(): string[] {
    return this.grpcCalls.filter((call) => !READ_ONLY_GRPC_METHODS.has(call));
  }

  requestsChecked(): number {
    return this.grpcCalls.length;
  }

  async cleanup(): Promise<void> {
    for (const id of this.#ids.splice(0)) {
      await ctr(this.#socket, "-n", this.namespace, "task", "resume", id);
      await ctr(this.#socket, "-n", this.namespace, "task", "kill", "-s", "SIGKILL", id);
      await ctr(this.#socket, "-n", this.namespace, "task", "delete", "-f", id);
      await ctr(this.#socket, "-n", this.namespace, "containers", "rm", id);
    }
    await ctr(this.#socket, "namespaces", "rm", this.namespace);
  }
}

/**
 * Drives a CRI runtime at `socket` through a test-only CRI admin client: one
 * pod of its own (a Kubernetes namespace of its own), containers started in
 * it and stopped (StopContainer with timeout 0: SIGKILL, exit code 137). CRI
 * has no pause.
 */
export class CriDriver implements FaultDriver {
  readonly label = "CRI containerd";
  readonly killExitCode = 137;
  readonly namespace: string = uniqueName("rel");
  readonly #clientOptions: CriClientOptions;
  readonly #admin: CriAdmin;
  #pod: Promise<TestPod> | undefined;
  readonly #ids = new Map<string, string>();
  #next = 0;
  /** Every client it made, e.g. to check the mode they ran in. */
  readonly clients: CriClient[] = [];
  /** Every gRPC method its clients called, `service/method`. */
  readonly grpcCalls: string[] = [];

  constructor(socket: string, clientOptions: CriClientOptions = {}) {
    this.#clientOptions = clientOptions;
    this.#admin = new CriAdmin(socket);
  }

  readonly keep: Keep = (c) => c.project.startsWith(`${this.namespace}/`);

  async start(): Promise<string> {
    this.#pod ??= this.#admin.runPod(this.namespace, "rel");
    const pod = await this.#pod;
    const container = `c${this.#next++}`;
    const id = await this.#admin.runContainer(pod, container, ["/bin/sleep", "1000"]);
    const name = `${this.namespace}/rel/${container}`;
    this.#ids.set(name, id);
    return name;
  }

  async kill(name: string): Promise<void> {
    await this.#admin.stopContainer(this.#ids.get(name)!);
  }

  async truth(): Promise<string[]> {
    return (await this.#admin.alive(this.namespace)).map(line).sort();
  }

  client(endpoint: string): EngineClient {
    const client = new CriClient({ ...this.#clientOptions, socket: endpoint, onCall: (method) => void this.grpcCalls.push(method) });
    this.clients.push(client);
    return client;
  }

  readOnlyViolations(): string[] {
    return this.grpcCalls.filter((call) => !READ_ONLY_CRI_METHODS.has(call));
  }

  requestsChecked(): number {
    return this.grpcCalls.length;
  }

  async cleanup(): Promise<void> {
    try {
      await this.#admin.removePods(this.namespace);
    } finally {
      this.#admin.close();
    }
  }
}
