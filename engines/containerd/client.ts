/**
 * The containerd engine client: containerd's native gRPC API over its unix
 * socket, read-only.
 *
 * @module
 */

import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { CallOptions, Client } from "@connectrpc/connect";
import type { EngineClient, EngineEvent, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import type { Container } from "../../lib/model/container.ts";
import { createUnixGrpcTransport, grpcEngineError } from "../../lib/transport/grpc.ts";
import type { UnixGrpcTransport } from "../../lib/transport/grpc.ts";
import { EngineUnavailableError } from "../../lib/errors.ts";
import { Containers } from "./gen/containerd/services/containers/v1/containers_pb.ts";
import type { Container as ContainerRecord } from "./gen/containerd/services/containers/v1/containers_pb.ts";
import { Events } from "./gen/containerd/services/events/v1/events_pb.ts";
import type { Envelope } from "./gen/containerd/services/events/v1/events_pb.ts";
import { Introspection } from "./gen/containerd/services/introspection/v1/introspection_pb.ts";
import { Namespaces } from "./gen/containerd/services/namespaces/v1/namespace_pb.ts";
import { Tasks } from "./gen/containerd/services/tasks/v1/tasks_pb.ts";
import { Version } from "./gen/containerd/services/version/v1/version_pb.ts";
import { aliveContainers, toContainer } from "./container.ts";
import type { ContainerdPacker } from "./container.ts";
import { decodeEnvelope, EVENT_FILTERS } from "./events.ts";
import { NERDCTL_NAME_LABEL, parseRef } from "./naming.ts";

/** containerd's default socket on Linux. */
export const DEFAULT_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";

/** Namespaces skipped by default: Docker's (`moby`) and the CRI plugin's (`k8s.io`), watched through their own engines. */
export const DEFAULT_IGNORED_NAMESPACES: readonly string[] = ["moby", "k8s.io"];

/** The engine type reported by default. */
export const CONTAINERD_ENGINE_TYPE = "containerd.io";

/** The gRPC metadata key selecting the namespace of a namespaced call. */
const NAMESPACE_HEADER = "containerd-namespace";

/** Full path of the Subscribe method, as it appears on the wire. */
const SUBSCRIBE_PATH = `/${Events.typeName}/${Events.method.subscribe.name}`;

/** Receives diagnostics about skipped events. */
export interface ContainerdLogger {
  /** Reports something unexpected that the client skipped. */
  warn(message: string): void;
}

/** The default logger: whalewatcher's clients and watchers say nothing unless given a logger. */
const SILENT: ContainerdLogger = { warn() {} };

/** Options of {@linkcode ContainerdClient}. */
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
  /** Aborts the subscriptions still open, when the client closes. */
  readonly #subscriptions = new Set<AbortController>();
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
      engineName: "containerd",
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

  /** containerd's version and git revision, separated by a space. */
  async version(signal?: AbortSignal): Promise<string> {
    try {
      const { version, revision } = await this.#version.version({}, callOptions(signal));
      return `${version} ${revision}`;
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
   * Subscribes to task events of all namespaces except the ignored ones.
   * containerd keeps no event log, so `since` is ignored.
   */
  lifecycleEvents(options: LifecycleEventsOptions): EventStream {
    const { signal } = options;
    const controller = new AbortController();
    const release = (): void => {
      signal.removeEventListener("abort", release);
      this.#subscriptions.delete(controller);
      controller.abort(signal.reason);
    };
    signal.addEventListener("abort", release, { once: true });
    this.#subscriptions.add(controller);
    if (signal.aborted) release();
    // Quiet endings: the caller aborted, or this client was closed.
    const endedOnPurpose = (): boolean => signal.aborted || this.#closed;

    const requestSent = this.#grpc.requestSent(SUBSCRIBE_PATH);
    const envelopes = this.#events.subscribe(
      { filters: [...EVENT_FILTERS] },
      { signal: controller.signal, timeoutMs: 0 },
    )[Symbol.asyncIterator]();
    // Starts the call now, not at the first iteration, so that `subscribed` can settle.
    const first = envelopes.next();
    let failure: { error: unknown } | undefined;
    first.catch((error: unknown) => {
      failure = { error }; // also observed by the iteration; unobserved it must not crash
    });

    const subscribed = (async (): Promise<void> => {
      try {
        await Promise.race([requestSent, first]);
        // containerd (grpc-go) sends no response headers before the first
        // event, so the subscription cannot be observed directly. A unary call
        // sent after the Subscribe request on the same HTTP/2 connection is
        // answered after containerd received the Subscribe request and started
        // its handler. Residual race: the handler runs in its own goroutine and
        // registers with containerd's event exchange a moment after it starts,
        // so an event published within that moment may still be missed.
        await this.#version.version({}, callOptions(controller.signal));
        // A Subscribe that failed at once (say, a rejected filter) has usually
        // been answered by now; let its answer surface before confirming.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (failure !== undefined) throw failure.error;
      } catch (error) {
        throw endedOnPurpose() ? error : this.#error(error);
      }
    })();
    subscribed.catch(() => {}); // callers that never await it must not crash

    const events = this.#iterate(first, envelopes, endedOnPurpose, release);
    return {
      subscribed,
      [Symbol.asyncIterator]: () => events,
    };
  }

  /** Decodes a subscription's envelopes into events; ends quietly only when ended on purpose. */
  async *#iterate(
    first: Promise<IteratorResult<Envelope>>,
    envelopes: AsyncIterator<Envelope>,
    endedOnPurpose: () => boolean,
    release: () => void,
  ): AsyncGenerator<EngineEvent, void, undefined> {
    try {
      for (let result = await first; !result.done; result = await envelopes.next()) {
        const outcome = decodeEnvelope(result.value, this.#ignored);
        if (outcome.kind === "event") yield outcome.event;
        else if (outcome.kind === "skipped") this.#logger.warn(outcome.reason);
      }
      if (endedOnPurpose()) return;
      throw new EngineUnavailableError(`containerd at ${this.api} ended the event stream`, { endpoint: this.api });
    } catch (error) {
      if (endedOnPurpose()) return;
      throw this.#error(error);
    } finally {
      release();
    }
  }

  /** Ends every subscription and closes the connection; the client cannot be used afterwards. */
  close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#subscriptions) controller.abort();
    this.#subscriptions.clear();
    this.#grpc.close();
    return Promise.resolve();
  }

  /** Same as {@linkcode ContainerdClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #error(error: unknown): Error {
    return grpcEngineError(error, this.api, "containerd");
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
