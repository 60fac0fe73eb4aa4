/**
 * The CRI engine client: a Kubernetes node's container runtime (containerd's
 * CRI plugin, CRI-O) through the CRI `runtime.v1` RuntimeService, gRPC over
 * its unix socket, read-only.
 *
 * @module
 */

import { hostname } from "node:os";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import type { CallOptions, Client } from "@connectrpc/connect";
import type { BackoffOptions } from "../../lib/backoff.ts";
import { mapConcurrent } from "../../lib/async/pool.ts";
import type { EngineClient, EngineExit, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import { EngineApiError } from "../../lib/errors.ts";
import type { Container } from "../../lib/model/container.ts";
import { createUnixGrpcTransport } from "../../lib/transport/grpc.ts";
import { criError } from "./errors.ts";
import type { UnixGrpcTransport } from "../../lib/transport/grpc.ts";
import { sandboxContainer, workloadContainer, parseVerboseInfo } from "./container.ts";
import type { Converted, SandboxRecord } from "./container.ts";
import { CriEventStream } from "./events.ts";
import type { CriCorrection, CriEventMode, CriLiveness, CriRuntimeEvent } from "./events.ts";
import { ContainerState, PodSandboxState, RuntimeService } from "./gen/runtime/v1/api_pb.ts";
import type { ContainerEventResponse, Container as CriContainer } from "./gen/runtime/v1/api_pb.ts";

/**
 * The engine type a {@linkcode CriClient} reports by default.
 *
 * @example A CRI watcher's events say they come from CRI
 * ```ts
 * import { CRI_ENGINE_TYPE, CriClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new CriClient({ socket: "/var/run/crio/crio.sock" }));
 * void watcher.watch();
 * await watcher.ready;
 * console.assert(watcher.identity.type === CRI_ENGINE_TYPE);
 * ```
 */
export const CRI_ENGINE_TYPE = "k8s.io/cri-api";

export { DEFAULT_CRI_SOCKETS } from "./sockets.ts";

/**
 * The socket a {@linkcode CriClient} uses when none is given: containerd's (its CRI plugin shares it).
 *
 * @example containerd's CRI plugin shares containerd's socket
 * ```ts
 * import { CriClient, DEFAULT_CONTAINERD_SOCKET, DEFAULT_CRI_SOCKET } from "@whalewatcher/whalewatcher";
 *
 * console.assert(DEFAULT_CRI_SOCKET === DEFAULT_CONTAINERD_SOCKET);
 * await using client = new CriClient();
 * console.log(client.api); // /run/containerd/containerd.sock
 * ```
 */
export const DEFAULT_CRI_SOCKET = "/run/containerd/containerd.sock";

/**
 * Default of {@linkcode CriClientOptions.relistIntervalMs}.
 *
 * @example Relist more often on a small node
 * ```ts
 * import { CriClient, DEFAULT_RELIST_INTERVAL_MS } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock", relistIntervalMs: DEFAULT_RELIST_INTERVAL_MS / 5 });
 * console.log((await client.list()).length, "alive");
 * ```
 */
export const DEFAULT_RELIST_INTERVAL_MS = 5_000;

/**
 * Default of {@linkcode CriClientOptions.statusConcurrency}.
 *
 * @example Fewer status calls in flight
 * ```ts
 * import { CriClient, DEFAULT_STATUS_CONCURRENCY } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock", statusConcurrency: Math.max(1, DEFAULT_STATUS_CONCURRENCY / 4) });
 * console.log((await client.list()).map((c) => c.name));
 * ```
 */
export const DEFAULT_STATUS_CONCURRENCY = 8;

/**
 * Default of {@linkcode CriClientOptions.eventsBackoff}: from 1 s, never
 * shorter, up to 30 s between attempts to reopen the runtime's events.
 *
 * @example Reopen the events sooner
 * ```ts
 * import { CriClient, DEFAULT_EVENTS_BACKOFF } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock", eventsBackoff: { ...DEFAULT_EVENTS_BACKOFF, maxMs: 5_000 } });
 * console.log(client.mode);
 * ```
 */
export const DEFAULT_EVENTS_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 1_000, maxMs: 30_000, jitter: "decorrelated" });

/** The CRI API version whalewatcher announces in `Version` (the runtimes ignore it). */
const CRI_CLIENT_VERSION = "0.1.0";

/**
 * Receives diagnostics about skipped containers and unavailable events.
 *
 * @example See skipped containers and unavailable events
 * ```ts
 * import { CriClient, type CriLogger } from "@whalewatcher/whalewatcher";
 *
 * const logger: CriLogger = { warn: (message) => console.warn("cri:", message) };
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock", logger });
 * console.log((await client.list()).length, "alive");
 * ```
 */
export interface CriLogger {
  /** Reports something unexpected that the client skipped or worked around. */
  warn(message: string): void;
}

/** The default logger: whalewatcher's clients and watchers say nothing unless given a logger. */
const SILENT: CriLogger = { warn() {} };

/**
 * Options of {@linkcode CriClient}.
 *
 * @example A DaemonSet pod: the node's name from the downward API, relist only
 * ```ts
 * import { CriClient, type CriClientOptions, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const options: CriClientOptions = {
 *   socket: "/var/run/crio/crio.sock",
 *   nodeName: process.env.NODE_NAME ?? "node-1",
 *   events: false,
 *   relistIntervalMs: 2_000,
 * };
 * await using watcher = new Watcher(new CriClient(options));
 * void watcher.watch();
 * await watcher.ready;
 * console.log(watcher.identity.id, watcher.portfolio.names()); // the node, and its pods as projects
 * ```
 */
export interface CriClientOptions {
  /** Path of the runtime's CRI socket, bare or as `unix://` URL; default `/run/containerd/containerd.sock`. */
  socket?: string;
  /** Engine type to report; default `k8s.io/cri-api`. */
  type?: string;
  /**
   * The engine ID: the node's name. Default: this host's hostname (in a
   * DaemonSet pod with host networking, the node's; otherwise pass the node
   * name, e.g. from the downward API).
   */
  nodeName?: string;
  /** Time between two relists (the list diff that corrects missed events); default 5 s. */
  relistIntervalMs?: number;
  /** Use `GetContainerEvents` where the runtime implements it; default `true`. `false`: relist only. */
  events?: boolean;
  /**
   * Delays between attempts to reopen `GetContainerEvents` after it ended or
   * failed (the relist goes on meanwhile); default
   * {@linkcode DEFAULT_EVENTS_BACKOFF}. UNIMPLEMENTED is never retried.
   */
  eventsBackoff?: BackoffOptions;
  /** How many status calls a list may have in flight; default 8. */
  statusConcurrency?: number;
  /** Receives diagnostics (skips, unavailable events); default: silent, like every whalewatcher logger (pass `console` to see them). */
  logger?: CriLogger;
  /** Time the runtime has to answer the HTTP/2 handshake; default 5 s. */
  handshakeTimeoutMs?: number;
  /** Deadline of each unary call; default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Time without any data from the runtime, while a call is open, after
   * which an HTTP/2 PING checks that the connection still works; default 6
   * minutes (containerd, whose socket CRI shares, closes connections that
   * ping more often than every 5 minutes while sending nothing back).
   */
  pingIntervalMs?: number;
  /** Time the runtime has to answer a PING before the connection counts as broken; default 20 s. */
  pingTimeoutMs?: number;
  /** Observes every gRPC call by its full method name, e.g. `runtime.v1.RuntimeService/ListContainers`. */
  onCall?: (method: string) => void;
  /** Observes every correction the relist makes, with the number of the relist that made it ({@linkcode CriClient.relists}). */
  onCorrection?: (correction: CriCorrection) => void;
}

/** Full path of GetContainerEvents, as it appears on the wire. */
const EVENTS_PATH = `/${RuntimeService.typeName}/${RuntimeService.method.getContainerEvents.name}`;

/**
 * Watches a Kubernetes node's container runtime through CRI: its RUNNING
 * workload containers and READY pod sandboxes, with their host PIDs.
 *
 * A workload container is named `<namespace>/<pod>/<container>`; a sandbox
 * by its sandbox ID, labelled {@linkcode SANDBOX_LABEL}. Both belong to the
 * project `<namespace>/<pod>`. The event stream uses `GetContainerEvents`
 * where the runtime implements it and always relists every
 * `relistIntervalMs` to correct what events missed ({@linkcode CriClient.mode},
 * {@linkcode CriClient.corrections}). The client only calls Version, the list,
 * status and events methods.
 *
 * @example
 * ```ts
 * import { CriClient } from "@whalewatcher/whalewatcher";
 *
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock" }); // or containerd's socket
 * for (const container of await client.list()) console.log(container.name, container.pid);
 * ```
 */
export class CriClient implements EngineClient, AsyncDisposable {
  /** Engine type identifier. */
  readonly type: string;
  /** The socket path. */
  readonly api: string;
  readonly #nodeName: string | undefined;
  readonly #relistIntervalMs: number;
  readonly #events: boolean;
  readonly #eventsBackoff: BackoffOptions;
  readonly #onCorrection: ((correction: CriCorrection) => void) | undefined;
  readonly #concurrency: number;
  readonly #logger: CriLogger;
  readonly #grpc: UnixGrpcTransport;
  readonly #runtime: Client<typeof RuntimeService>;
  /** IDs whose last conversion was a logged skip; the relist announces them again. */
  readonly #skipped = new Set<string>();
  /** Aborts the event streams still open, when the client closes. */
  readonly #streams = new Set<AbortController>();
  #mode: CriEventMode | undefined;
  #corrections = 0;
  #relists = 0;

  /** Creates a client; it connects lazily, on the first call. */
  constructor(options: CriClientOptions = {}) {
    this.api = (options.socket ?? DEFAULT_CRI_SOCKET).replace(/^unix:\/\//, "");
    this.type = options.type ?? CRI_ENGINE_TYPE;
    this.#nodeName = options.nodeName;
    this.#relistIntervalMs = options.relistIntervalMs ?? DEFAULT_RELIST_INTERVAL_MS;
    if (!Number.isFinite(this.#relistIntervalMs) || this.#relistIntervalMs <= 0) {
      throw new RangeError(`relistIntervalMs must be a positive number, got ${this.#relistIntervalMs}`);
    }
    this.#events = options.events ?? true;
    this.#eventsBackoff = options.eventsBackoff ?? DEFAULT_EVENTS_BACKOFF;
    this.#onCorrection = options.onCorrection;
    this.#concurrency = options.statusConcurrency ?? DEFAULT_STATUS_CONCURRENCY;
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`statusConcurrency must be a positive integer, got ${this.#concurrency}`);
    }
    this.#logger = options.logger ?? SILENT;
    this.#grpc = createUnixGrpcTransport({
      socketPath: this.api,
      ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
      ...(options.onCall !== undefined ? { onCall: options.onCall } : {}),
    });
    this.#runtime = createClient(RuntimeService, this.#grpc.transport);
  }

  /** Always 0: CRI does not tell the runtime's PID. */
  get pid(): number {
    return 0;
  }

  /**
   * How the newest event stream learns of changes: `"evented+relist"` while
   * the runtime's events work, `"relist-only"` otherwise; `undefined` before
   * the first stream subscribed.
   */
  get mode(): CriEventMode | undefined {
    return this.#mode;
  }

  /** How many transitions the relist found that no event had announced (in relist-only mode: all of them). */
  get corrections(): number {
    return this.#corrections;
  }

  /**
   * How many relists have started (on every event stream of this client);
   * relists are numbered 1, 2, … in the order they start, and a
   * {@linkcode CriCorrection} names the one that made it. A relist that
   * starts after a change completed sees it.
   */
  get relists(): number {
    return this.#relists;
  }

  /** The node's name: {@linkcode CriClientOptions.nodeName}, else this host's hostname ("" if it may not be read). */
  id(_signal?: AbortSignal): Promise<string> {
    if (this.#nodeName !== undefined) return Promise.resolve(this.#nodeName);
    try {
      return Promise.resolve(hostname());
    } catch {
      return Promise.resolve(""); // Deno without --allow-sys=hostname
    }
  }

  /** The runtime's name and version, e.g. `containerd 1.6.20` (CRI API version in parentheses). */
  async version(signal?: AbortSignal): Promise<string> {
    try {
      const answer = await this.#runtime.version({ version: CRI_CLIENT_VERSION }, callOptions(signal));
      const api = answer.runtimeApiVersion !== "" ? ` (CRI ${answer.runtimeApiVersion})` : "";
      return `${answer.runtimeName} ${answer.runtimeVersion}${api}`.trim();
    } catch (error) {
      throw this.#error(error);
    }
  }

  /** Lists the RUNNING workload containers and READY pod sandboxes, with their PIDs. */
  async list(signal?: AbortSignal): Promise<Container[]> {
    try {
      const options = callOptions(signal);
      const [{ containers }, { items: sandboxes }] = await Promise.all([
        this.#runtime.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }, options),
        // All sandboxes, not only READY ones: a running container's pod may be on its way down.
        this.#runtime.listPodSandbox({}, options),
      ]);
      const byId = new Map(sandboxes.map((sandbox) => [sandbox.id, sandbox]));
      const ready = sandboxes.filter((sandbox) => isReady(sandbox.state));
      const workloads = await mapConcurrent(
        containers.filter((container) => container.state === ContainerState.CONTAINER_RUNNING),
        this.#concurrency,
        (container, itemSignal) => this.#workload(container.id, byId.get(container.podSandboxId), itemSignal),
        signal,
      );
      const pods = await mapConcurrent(ready, this.#concurrency, (sandbox, itemSignal) => this.#sandbox(sandbox.id, itemSignal), signal);
      return [...workloads, ...pods].filter((container): container is Container => container !== undefined);
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * Inspects a RUNNING workload container or READY sandbox by ID; resolves
   * `undefined` when there is none (or its details are unusable: a logged skip).
   */
  async inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    if (nameOrId === "") return undefined;
    try {
      const container = await this.#workload(nameOrId, undefined, signal);
      if (container !== notFound) return container;
      const sandbox = await this.#sandbox(nameOrId, signal);
      return sandbox === notFound ? undefined : sandbox;
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * The exit code and time of a workload container that exited and is not
   * removed yet, from its (non-verbose) status; `undefined` for one alive,
   * removed, or a sandbox (CRI tells no sandbox exit codes).
   */
  async exitDetails(id: string, signal?: AbortSignal): Promise<EngineExit | undefined> {
    try {
      const status = await this.#isAlive(id, undefined, signal);
      return status.alive ? undefined : status.exit;
    } catch (error) {
      throw this.#error(error);
    }
  }

  /**
   * A workload container by ID with its PID (verbose status); `sandbox` is
   * its pod's record when the caller listed it already. Resolves
   * {@linkcode notFound} when no such container exists, `undefined` when it
   * is not running or skipped.
   */
  async #workload(id: string, sandbox: SandboxRecord | undefined, signal: AbortSignal | undefined): Promise<Container | undefined | typeof notFound> {
    const answer = await this.#runtime.containerStatus({ containerId: id, verbose: true }, callOptions(signal)).catch(
      (error: unknown) => this.#statusFailure(id, error),
    );
    if (answer === notFound || answer === undefined) return answer;
    const status = answer.status;
    if (status === undefined || status.id === "") return this.#skip(id, { skip: "its status is empty" });
    if (status.state !== ContainerState.CONTAINER_RUNNING) {
      if (!isKnownContainerState(status.state)) return this.#skip(id, { skip: `its state ${status.state} is unknown` });
      this.#skipped.delete(id);
      return undefined;
    }
    if (sandbox === undefined) {
      const verbose = parseVerboseInfo(answer.info);
      const sandboxId = typeof verbose === "string" ? await this.#sandboxIdOf(id, signal) : verbose.sandboxId ?? await this.#sandboxIdOf(id, signal);
      if (sandboxId !== undefined) {
        const { items } = await this.#runtime.listPodSandbox({ filter: { id: sandboxId } }, callOptions(signal));
        sandbox = items.find((item) => item.id === sandboxId);
      }
    }
    return this.#skip(id, workloadContainer(status, answer.info, sandbox));
  }

  /** The pod sandbox ID of a container, from the container list (for runtimes whose verbose info lacks it). */
  async #sandboxIdOf(id: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const { containers } = await this.#runtime.listContainers({ filter: { id } }, callOptions(signal));
    return containers.find((container: CriContainer) => container.id === id)?.podSandboxId || undefined;
  }

  /** A READY sandbox by ID with its PID (verbose status); like {@linkcode CriClient.#workload}. */
  async #sandbox(id: string, signal: AbortSignal | undefined): Promise<Container | undefined | typeof notFound> {
    const answer = await this.#runtime.podSandboxStatus({ podSandboxId: id, verbose: true }, callOptions(signal)).catch(
      (error: unknown) => this.#statusFailure(id, error),
    );
    if (answer === notFound || answer === undefined) return answer;
    const status = answer.status;
    if (status === undefined || status.id === "") return this.#skip(id, { skip: "its sandbox status is empty" });
    if (!isReady(status.state)) {
      if (status.state !== PodSandboxState.SANDBOX_NOTREADY) return this.#skip(id, { skip: `its sandbox state ${status.state} is unknown` });
      this.#skipped.delete(id);
      return undefined;
    }
    return this.#skip(id, sandboxContainer(status, answer.info));
  }

  /**
   * A status call failed: NOT_FOUND is {@linkcode notFound}; another answer
   * of the runtime about this one object (containerd fails a verbose status
   * whose spec it cannot load) is a logged skip; anything else (a broken
   * connection) is thrown.
   */
  #statusFailure(id: string, error: unknown): typeof notFound | undefined {
    if (error instanceof ConnectError && error.code === Code.NotFound) return notFound;
    const typed = this.#error(error);
    if (typed instanceof EngineApiError) {
      this.#skip(id, { skip: `its status call failed: ${typed.message.split("\n")[0]}` });
      return undefined;
    }
    throw typed;
  }

  /** Records and logs a skip, or clears an earlier one; returns the container if there is one. */
  #skip(id: string, converted: Converted): Container | undefined {
    if ("container" in converted) {
      this.#skipped.delete(id);
      return converted.container;
    }
    this.#skipped.add(id);
    this.#logger.warn(`whalewatcher: skipping CRI container ${id} on ${this.api}: ${converted.skip}; retrying at the next relist`);
    return undefined;
  }

  /** IDs of the RUNNING containers and READY sandboxes: what the relist compares. */
  async #aliveIds(signal: AbortSignal): Promise<Set<string>> {
    const options = callOptions(signal);
    const [{ containers }, { items }] = await Promise.all([
      this.#runtime.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }, options),
      // A present but empty state wrapper: READY is the enum's zero value.
      this.#runtime.listPodSandbox({ filter: { state: { state: PodSandboxState.SANDBOX_READY } } }, options),
    ]);
    const ids = new Set<string>();
    for (const container of containers) if (container.state === ContainerState.CONTAINER_RUNNING) ids.add(container.id);
    for (const sandbox of items) if (isReady(sandbox.state)) ids.add(sandbox.id);
    // A skipped container that is gone needs no retry.
    for (const id of this.#skipped) if (!ids.has(id)) this.#skipped.delete(id);
    return ids;
  }

  /**
   * Whether a container or sandbox is alive now, by a cheap (non-verbose)
   * status call; NOT_FOUND is not alive. An exited workload container tells
   * its exit code and time.
   */
  async #isAlive(id: string, sandbox: boolean | undefined, signal: AbortSignal | undefined): Promise<CriLiveness> {
    const options = callOptions(signal);
    if (sandbox !== true) {
      const answer = await this.#runtime.containerStatus({ containerId: id }, options).catch(nullIfNotFound);
      if (answer !== null) {
        const status = answer.status;
        if (status?.state === ContainerState.CONTAINER_RUNNING) return { alive: true };
        if (status?.state !== ContainerState.CONTAINER_EXITED) return { alive: false };
        const time = status.finishedAt > 0n ? { time: Number(status.finishedAt / 1_000_000n) } : {};
        return { alive: false, exit: { code: status.exitCode, ...time } };
      }
    }
    const answer = await this.#runtime.podSandboxStatus({ podSandboxId: id }, options).catch(nullIfNotFound);
    return answer !== null && answer.status !== undefined && isReady(answer.status.state) ? { alive: true } : { alive: false };
  }

  /**
   * The lifecycle events of the runtime's containers and sandboxes: from
   * `GetContainerEvents` where it works, corrected (or, where it does not,
   * produced) by a relist every `relistIntervalMs`. CRI keeps no event log,
   * so `since` is ignored.
   */
  lifecycleEvents(options: LifecycleEventsOptions): EventStream {
    const controller = new AbortController();
    const release = (): void => {
      options.signal.removeEventListener("abort", release);
      this.#streams.delete(controller);
      controller.abort(options.signal.reason);
    };
    options.signal.addEventListener("abort", release, { once: true });
    this.#streams.add(controller);
    if (options.signal.aborted) release();
    const runtime = this.#runtime;
    const grpc = this.#grpc;
    return new CriEventStream({
      signal: controller.signal,
      relistIntervalMs: this.#relistIntervalMs,
      reopenBackoff: this.#eventsBackoff,
      source: {
        skipped: this.#skipped,
        eventsUnimplemented: (error) => error instanceof ConnectError && error.code === Code.Unimplemented,
        aliveIds: (signal) => this.#aliveIds(signal),
        isAlive: (id, sandbox, signal) => this.#isAlive(id, sandbox, signal),
        ...(this.#events
          ? {
            openEvents: (signal: AbortSignal) => {
              const sent = grpc.requestSent(EVENTS_PATH);
              const responses = runtime.getContainerEvents({}, { signal, timeoutMs: 0 })[Symbol.asyncIterator]();
              return { sent, events: decodeEvents(responses) };
            },
          }
          : {}),
      },
      onMode: (mode) => {
        this.#mode = mode;
      },
      onRelistStart: () => ++this.#relists,
      onCorrection: (correction) => {
        this.#corrections++;
        this.#onCorrection?.(correction);
      },
      warn: (message) => this.#logger.warn(`whalewatcher: ${this.api}: ${message}`),
      error: (error) => this.#error(error),
    });
  }

  /** Ends every event stream and closes the connection; the client cannot be used afterwards. */
  close(): Promise<void> {
    for (const controller of this.#streams) controller.abort();
    this.#streams.clear();
    this.#grpc.close();
    return Promise.resolve();
  }

  /** Same as {@linkcode CriClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #error(error: unknown): Error {
    return criError(error, this.api);
  }
}

/** Marks "no such container" apart from "not alive" in the status helpers. */
const notFound: unique symbol = Symbol("notFound");

/** Decodes `ContainerEventResponse`s into what the stream needs. */
async function* decodeEvents(
  responses: AsyncIterator<ContainerEventResponse>,
): AsyncGenerator<CriRuntimeEvent, void, undefined> {
  for (let result = await responses.next(); !result.done; result = await responses.next()) {
    const event = result.value;
    if (event.containerId === "") continue;
    yield {
      id: event.containerId,
      type: event.containerEventType,
      time: Number(event.createdAt / 1_000_000n),
      sandbox: event.podSandboxStatus !== undefined && event.podSandboxStatus.id === event.containerId,
    };
  }
}

function isReady(state: PodSandboxState): boolean {
  return state === PodSandboxState.SANDBOX_READY;
}

function isKnownContainerState(state: ContainerState): boolean {
  return state === ContainerState.CONTAINER_CREATED || state === ContainerState.CONTAINER_EXITED ||
    state === ContainerState.CONTAINER_UNKNOWN || state === ContainerState.CONTAINER_RUNNING;
}

function nullIfNotFound(error: unknown): null {
  if (error instanceof ConnectError && error.code === Code.NotFound) return null;
  throw error;
}

function callOptions(signal: AbortSignal | undefined): CallOptions {
  return signal !== undefined ? { signal } : {};
}
