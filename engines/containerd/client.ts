/**
 * The containerd engine client: containerd's native gRPC API over its unix
 * socket, read-only.
 *
 * @module
 */

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { CallOptions, Client } from "@connectrpc/connect";
import type { EngineClient, EngineExit, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import type { Container } from "../../lib/model/container.ts";
import { createUnixGrpcTransport } from "../../lib/transport/grpc.ts";
import type { UnixGrpcTransport } from "../../lib/transport/grpc.ts";
import { Containers } from "./gen/containerd/services/containers/v1/containers_pb.ts";
import type { Container as ContainerRecord } from "./gen/containerd/services/containers/v1/containers_pb.ts";
import { Events } from "./gen/containerd/services/events/v1/events_pb.ts";
import { Introspection } from "./gen/containerd/services/introspection/v1/introspection_pb.ts";
import { Namespaces } from "./gen/containerd/services/namespaces/v1/namespace_pb.ts";
import { Tasks } from "./gen/containerd/services/tasks/v1/tasks_pb.ts";
import { Version } from "./gen/containerd/services/version/v1/version_pb.ts";
import { Status } from "./gen/containerd/types/task/task_pb.ts";
import { aliveContainers, toContainer } from "./container.ts";
import type { ContainerdPacker } from "./container.ts";
import { containerdError } from "./errors.ts";
import { ContainerdEventStream } from "./event-stream.ts";
import { NERDCTL_NAME_LABEL, parseRef } from "./naming.ts";

import { DEFAULT_CONTAINERD_SOCKET } from "./socket.ts";

export { DEFAULT_CONTAINERD_SOCKET };

/** Namespaces skipped by default: Docker's (`moby`) and the CRI plugin's (`k8s.io`), watched through their own engines. */
export const DEFAULT_IGNORED_NAMESPACES: readonly string[] = ["moby", "k8s.io"];

/**
 * The engine type reported by default.
 *
 * @example Pick the containerd watchers of a host
 * ```ts
 * import { CONTAINERD_ENGINE_TYPE, hostWatcher } from "@whalewatcher/whalewatcher";
 *
 * await using host = hostWatcher({ rescanInterval: 0, discovery: { processScan: false } });
 * await host.rescan();
 * console.log([...host.engines()].filter((view) => view.engine.type === CONTAINERD_ENGINE_TYPE).map((view) => view.engine.api));
 * ```
 */
export const CONTAINERD_ENGINE_TYPE = "containerd.io";

/** The gRPC metadata key selecting the namespace of a namespaced call. */
const NAMESPACE_HEADER = "containerd-namespace";

/**
 * Receives diagnostics about skipped events.
 *
 * @example See what the client skipped
 * ```ts
 * import { ContainerdClient, type ContainerdLogger } from "@whalewatcher/whalewatcher";
 *
 * const logger: ContainerdLogger = { warn: (message) => console.warn("containerd:", message) };
 * await using client = new ContainerdClient({ logger });
 * console.log((await client.list()).length, "alive");
 * ```
 */
export interface ContainerdLogger {
  /** Reports something unexpected that the client skipped. */
  warn(message: string): void;
}

/** The default logger: whalewatcher's clients and watchers say nothing unless given a logger. */
const SILENT: ContainerdLogger = { warn() {} };

/**
 * Options of {@linkcode ContainerdClient}.
 *
 * @example Also watch nerdctl's and Docker's namespaces, and audit the calls
 * ```ts
 * import { ContainerdClient, type ContainerdClientOptions } from "@whalewatcher/whalewatcher";
 *
 * const calls = new Set<string>();
 * const options: ContainerdClientOptions = {
 *   socket: "/run/containerd/containerd.sock",
 *   ignoredNamespaces: [], // default ["moby", "k8s.io"]
 *   requestTimeoutMs: 10_000,
 *   onCall: (method) => calls.add(method),
 * };
 * await using client = new ContainerdClient(options);
 * await client.list();
 * console.log([...calls]); // only List, Get, Version… methods: read-only
 * ```
 */
export interface ContainerdClientOptions {
  /** Path of containerd's gRPC socket, bare or as `unix://` URL; default `/run/containerd/containerd.sock`. */
  socket?: string;
  /** Namespaces whose containers are not watched; default `["moby", "k8s.io"]`. */
  ignoredNamespaces?: string[];
  /** Computes each container's rucksack from its containerd records. */
  packer?: ContainerdPacker;
  /** Engine type to report; default `containerd.io`. */
  type?: string;
  /** Receives diagnostics about skipped events; default: silent, like every whalewatcher logger (pass `console` to see them). */
  logger?: ContainerdLogger;
  /** Time containerd has to answer the HTTP/2 handshake; default 5 s. */
  handshakeTimeoutMs?: number;
  /** Deadline of each unary call; default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Time without any data from containerd, while a call is open, after which
   * an HTTP/2 PING checks that the connection still works; default 6 minutes.
   * containerd closes connections that ping more often than every 5 minutes
   * without sending anything back (gRPC's keepalive enforcement).
   */
  pingIntervalMs?: number;
  /** Time containerd has to answer a PING before the connection counts as broken; default 20 s. */
  pingTimeoutMs?: number;
  /**
   * Observes every gRPC call the client makes, by its full method name such
   * as `containerd.services.events.v1.Events/Subscribe` (diagnostics, audits).
   */
  onCall?: (method: string) => void;
}

/**
 * Watches a containerd engine through its gRPC API on a unix socket.
 *
 * Containers of every namespace except the ignored ones are reported; their
 * IDs and names are `namespace/id` (`namespace/name` for the `nerdctl/name`
 * label), except in the `default` namespace where they stay bare. The client
 * only calls List, Get, Subscribe, Version and Server methods.
 *
 * @example
 * ```ts
 * import { ContainerdClient } from "@whalewatcher/whalewatcher";
 *
 * await using client = new ContainerdClient({ socket: "/run/containerd/containerd.sock" });
 * for (const container of await client.list()) console.log(container.id, container.pid);
 * ```
 */
export class ContainerdClient implements EngineClient, AsyncDisposable {
  /** Engine type identifier. */
  readonly type: string;
  /** The socket path. */
  readonly api: string;
  readonly #ignored: ReadonlySet<string>;
  readonly #packer: ContainerdPacker | undefined;
  readonly #logger: ContainerdLogger;
  readonly #grpc: UnixGrpcTransport;
  readonly #namespaces: Client<typeof Namespaces>;
  readonly #containers: Client<typeof Containers>;
  readonly #tasks: Client<typeof Tasks>;
  readonly #events: Client<typeof Events>;
  readonly #version: Client<typeof Version>;
  readonly #introspection: Client<typeof Introspection>;
  /** The subscriptions still open, ended when the client closes. */
  readonly #subscriptions = new Set<ContainerdEventStream>();
  #pid = 0;
  #closed = false;

  /** Creates a client; it connects lazily, on the first call. */
  constructor(options: ContainerdClientOptions = {}) {
    // containerd's own tools take a bare path; accept the unix:// form of DOCKER_HOST-style settings too.
    this.api = (options.socket ?? DEFAULT_CONTAINERD_SOCKET).replace(/^unix:\/\//, "");
    this.type = options.type ?? CONTAINERD_ENGINE_TYPE;
    this.#ignored = new Set(options.ignoredNamespaces ?? DEFAULT_IGNORED_NAMESPACES);
    this.#packer = options.packer;
    this.#logger = options.logger ?? SILENT;
    this.#grpc = createUnixGrpcTransport({
      socketPath: this.api,
      ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
      ...(options.onCall !== undefined ? { onCall: options.onCall } : {}),
    });
    const transport = this.#grpc.transport;
    this.#namespaces = createClient(Namespaces, transport);
    this.#containers = createClient(Containers, transport);
    this.#tasks = createClient(Tasks, transport);
    this.#events = createClient(Events, transport);
    this.#version = createClient(Version, transport);
    this.#introspection = createClient(Introspection, transport);
  }

  /** containerd's PID once {@linkcode ContainerdClient.id} learned it (containerd ≥ 1.6.25/1.7.0), else 0. */
  get pid(): number {
    return this.#pid;
  }

  /** The engine's UUID from the introspection service; "" where containerd lacks it. */
  async id(signal?: AbortSignal): Promise<string> {
    try {
      const server = await this.#introspection.server({}, callOptions(signal));
      this.#pid = Number(server.pid);
      return server.uuid;
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.Unimplemented) return "";
      throw this.#error(error);
    }
  }

  /**
   * containerd's version and git revision, separated by a space; the version
   * alone when the revision is empty or only repeats it (distribution builds
   * put their package version there, e.g. `1.6.20~ds1-1+deb12u3`).
   */
  async version(signal?: AbortSignal): Promise<string> {
    try {
      const { version, revision } = await this.#version.version({}, callOptions(signal));
      return revision === "" || revision.startsWith(version) ? version : `${version} ${revision}`;
    } catch (error) {
      throw this.#error(error);
    }
  }

  /** Lists the alive containers of all namespaces except the ignored ones. */
  async list(signal?: AbortSignal): Promise<Container[]> {
    try {
      const { namespaces } = await this.#namespaces.list({}, callOptions(signal));
      const perNamespace = await Promise.all(
        namespaces
          .map((namespace) => namespace.name)
          .filter((name) => !this.#ignored.has(name))
          .map((name) => this.#listNamespace(name, signal)),
      );
      return perNamespace.flat();
    } catch (error) {
      throw this.#error(error);
    }
  }

  async #listNamespace(namespace: string, signal: AbortSignal | undefined): Promise<Container[]> {
    const options = callOptions(signal, namespace);
    // Tasks first: a container created after the task listing has no task in
    // it; one deleted in between is simply not found below.
    const { tasks } = await this.#tasks.list({}, options);
    const { containers } = await this.#containers.list({}, options);
    return aliveContainers(namespace, tasks, containers, this.#packer);
  }

  /**
   * Inspects an alive container by whalewatcher ID (`namespace/id`, or `id`
   * in the `default` namespace) or by nerdctl name (likewise namespaced);
   * resolves `undefined` when there is no such alive container or it lives
   * in an ignored namespace.
   */
  async inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    const ref = parseRef(nameOrId);
    if (ref === undefined || this.#ignored.has(ref.namespace)) return undefined;
    const options = callOptions(signal, ref.namespace);
    try {
      const container = await this.#containers.get({ id: ref.id }, options).then(
        (response) => response.container,
        (error: unknown) => notFoundAsUndefined(error),
      ) ?? await this.#findByName(ref.id, options);
      if (container === undefined) return undefined;
      const response = await this.#tasks.get({ containerId: container.id }, options).then(
        (response) => response,
        (error: unknown) => notFoundAsUndefined(error),
      );
      if (response?.process === undefined) return undefined;
      return toContainer(ref.namespace, { container, process: response.process }, this.#packer);
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * The last exit of a container whose task has stopped, by whalewatcher ID:
   * `exit_status` and `exited_at` of a read-only `Tasks/Get`. `undefined`
   * when the task is gone (containerd forgets an exit once the task is
   * deleted), still alive, or in an ignored namespace. containerd does not
   * record OOM kills in the task, so `oom` stays unknown.
   */
  async exitDetails(id: string, signal?: AbortSignal): Promise<EngineExit | undefined> {
    const ref = parseRef(id);
    if (ref === undefined || this.#ignored.has(ref.namespace)) return undefined;
    try {
      const response = await this.#tasks.get({ containerId: ref.id }, callOptions(signal, ref.namespace)).then(
        (response) => response,
        (error: unknown) => notFoundAsUndefined(error),
      );
      const process = response?.process;
      if (process === undefined || process.status !== Status.STOPPED) return undefined;
      const exitedAt = process.exitedAt ? timestampMs(process.exitedAt) : 0;
      return { code: process.exitStatus, ...(exitedAt > 0 ? { time: exitedAt } : {}) };
    } catch (error) {
      throw this.#error(error);
    }
  }

  /** Finds the container carrying a nerdctl name. */
  async #findByName(name: string, options: CallOptions): Promise<ContainerRecord | undefined> {
    // The filter value is quoted; a name with quotes or backslashes cannot be a nerdctl name.
    if (/["\\]/.test(name)) return undefined;
    const { containers } = await this.#containers.list(
      { filters: [`labels."${NERDCTL_NAME_LABEL}"=="${name}"`] },
      options,
    );
    return containers.length === 1 ? containers[0] : undefined;
  }

  /**
   * Subscribes to task events of all namespaces except the ignored ones;
   * see {@linkcode ContainerdEventStream}. containerd keeps no event log,
   * so `since` is ignored.
   */
  lifecycleEvents(options: LifecycleEventsOptions): EventStream {
    const stream = new ContainerdEventStream({
      api: this.api,
      events: this.#events,
      version: this.#version,
      requestSent: (path) => this.#grpc.requestSent(path),
      ignored: this.#ignored,
      logger: this.#logger,
      closed: () => this.#closed,
      error: (error) => this.#error(error),
      released: (ended) => this.#subscriptions.delete(ended),
    }, options.signal);
    // An already aborted signal released the stream at once: do not keep it.
    if (!options.signal.aborted) this.#subscriptions.add(stream);
    return stream;
  }

  /** Ends every subscription and closes the connection; the client cannot be used afterwards. */
  close(): Promise<void> {
    this.#closed = true;
    for (const stream of [...this.#subscriptions]) stream.abort();
    this.#subscriptions.clear();
    this.#grpc.close();
    return Promise.resolve();
  }

  /** Same as {@linkcode ContainerdClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #error(error: unknown): Error {
    return containerdError(error, this.api);
  }
}

/** Call options: the caller's signal and, for namespaced calls, the namespace header. */
function callOptions(signal: AbortSignal | undefined, namespace?: string): CallOptions {
  return {
    ...(signal !== undefined ? { signal } : {}),
    ...(namespace !== undefined ? { headers: { [NAMESPACE_HEADER]: namespace } } : {}),
  };
}

/** Resolves `undefined` for a NOT_FOUND error, rethrows anything else. */
function notFoundAsUndefined(error: unknown): undefined {
  if (error instanceof ConnectError && error.code === Code.NotFound) return undefined;
  throw error;
}
