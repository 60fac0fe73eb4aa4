/**
 * Typed errors shared by the watcher core and every engine client.
 *
 * @module
 */

/**
 * Base class of every error this module throws on purpose.
 *
 * @example Tell this module's errors from everything else
 * ```ts
 * import { DockerClient, WhalewatcherError } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient({ host: "unix:///run/no-such-engine.sock" });
 * const error = await client.version().catch((e: unknown) => e);
 * console.assert(error instanceof WhalewatcherError, "a typed error");
 * console.log((error as WhalewatcherError).name, (error as WhalewatcherError).message);
 * ```
 */
export class WhalewatcherError extends Error {
  /** Creates an error with a message and an optional cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Details common to the errors that concern one engine endpoint.
 *
 * @example Raise an engine error from a client of your own
 * ```ts
 * import { EngineUnavailableError, type EngineErrorOptions } from "@whalewatcher/whalewatcher";
 *
 * const options: EngineErrorOptions = { endpoint: "unix:///run/my-engine.sock", hint: "is my-engine running?", retryable: true };
 * const error = new EngineUnavailableError("my-engine is not answering", options);
 * console.log(error.message, error.endpoint, error.hint, error.retryable);
 * ```
 */
export interface EngineErrorOptions {
  /** The endpoint that failed, e.g. `unix:///var/run/docker.sock`. */
  endpoint: string;
  /** What the user can do about it. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
  /**
   * Whether retrying later may succeed: `true` for what heals by itself (the
   * engine not started yet, a dropped connection, a 5xx answer), `false` for
   * what never will without the user's help (a malformed address, a
   * permission, a peer speaking another protocol). The watcher retries the
   * first and gives up at once on the second. Required: every place that
   * raises an engine error has to decide.
   */
  retryable: boolean;
}

/**
 * An error that concerns one engine endpoint; names it, says whether it may
 * heal, and gives a hint. The hint is a field of its own, not part of the
 * message, so that nothing has to take a message apart again (the CLI prints
 * both).
 *
 * @example Decide between retrying and giving up
 * ```ts
 * import { DockerClient, EngineError } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient({ host: "unix:///run/no-such-engine.sock" });
 * try {
 *   await client.list();
 * } catch (error) {
 *   if (!(error instanceof EngineError)) throw error;
 *   console.log(error.retryable ? "may heal, try later:" : "will not heal:", error.message);
 *   if (error.hint) console.log("hint:", error.hint);
 * }
 * ```
 */
export class EngineError extends WhalewatcherError {
  /** The endpoint that failed. */
  readonly endpoint: string;
  /** What the user can do about it ("" when there is nothing to suggest). */
  readonly hint: string;
  /** Whether retrying later may succeed (the watcher's backoff retries these and gives up on the others). */
  readonly retryable: boolean;

  /** Creates the error. */
  constructor(message: string, options: EngineErrorOptions) {
    super(message, { cause: options.cause });
    this.endpoint = options.endpoint;
    this.hint = options.hint ?? "";
    this.retryable = options.retryable;
  }
}

/**
 * Nothing listens at the endpoint: the socket is missing or refuses connections.
 *
 * @example Nothing listens at the socket
 * ```ts
 * import { ContainerdClient, EngineUnavailableError } from "@whalewatcher/whalewatcher";
 *
 * await using client = new ContainerdClient({ socket: "/run/no-such-containerd.sock" });
 * const error = await client.version().catch((e: unknown) => e);
 * console.assert(error instanceof EngineUnavailableError && error.retryable);
 * ```
 */
export class EngineUnavailableError extends EngineError {}

/**
 * The endpoint exists but this process may not connect to it.
 *
 * @example Report a socket this process may not open
 * ```ts
 * import { DockerClient, EnginePermissionError } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient();
 * try {
 *   await client.version();
 * } catch (error) {
 *   if (error instanceof EnginePermissionError) console.error(`${error.message}\n${error.hint}`);
 *   else throw error;
 * }
 * ```
 */
export class EnginePermissionError extends EngineError {}

/**
 * The peer does not speak the expected protocol, or sent malformed or truncated data.
 *
 * @example A socket that speaks another protocol: containerd's gRPC is no Docker API
 * ```ts
 * import { DockerClient, EngineProtocolError } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient({ host: "unix:///run/containerd/containerd.sock" });
 * const error = await client.version().catch((e: unknown) => e);
 * console.assert(error instanceof EngineProtocolError && !error.retryable, String(error));
 * ```
 */
export class EngineProtocolError extends EngineError {}

/**
 * The engine answered a request with an error status.
 *
 * @example The engine answered with an error status
 * ```ts
 * import { DockerClient, EngineApiError } from "@whalewatcher/whalewatcher";
 *
 * await using client = new DockerClient({ apiVersion: "1.12" }); // older than any engine still accepts
 * try {
 *   await client.list();
 * } catch (error) {
 *   if (!(error instanceof EngineApiError)) throw error;
 *   console.log(error.status, error.message);
 * }
 * ```
 */
export class EngineApiError extends EngineError {
  /** HTTP status or gRPC code number of the failed request. */
  readonly status: number;
  /** Creates the error for the given status. */
  constructor(message: string, options: EngineErrorOptions & { status: number }) {
    super(message, options);
    this.status = options.status;
  }
}

/**
 * A subscriber did not keep up: its bounded buffer overflowed, so its event
 * iteration ends with this error instead of silently dropping events.
 *
 * @example A subscriber that falls too far behind is told so
 * ```ts
 * import { DockerClient, SubscriberOverflowError, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * try {
 *   for await (const event of watcher.events({ buffer: 100, signal: AbortSignal.timeout(200) })) {
 *     await new Promise((resolve) => setTimeout(resolve, 10)); // a slow consumer
 *     console.log(event.type, event.container.name);
 *   }
 * } catch (error) {
 *   if (!(error instanceof SubscriberOverflowError)) throw error;
 *   console.log(`fell behind more than ${error.buffer} events: re-read the portfolio, subscribe again`);
 * }
 * ```
 */
export class SubscriberOverflowError extends WhalewatcherError {
  /** The buffer size that was exceeded. */
  readonly buffer: number;
  /** Creates the error for a buffer of the given size. */
  constructor(buffer: number) {
    super(`event subscriber fell behind: more than ${buffer} undelivered events; re-subscribe and re-read the portfolio`);
    this.buffer = buffer;
  }
}

/**
 * The error a watcher's `ready` rejects with when the watcher is closed before its first sync.
 *
 * @example `ready` of a watcher closed before its first sync
 * ```ts
 * import { DockerClient, Watcher, WatcherClosedError } from "@whalewatcher/whalewatcher";
 *
 * const watcher = new Watcher(new DockerClient({ host: "unix:///run/no-such-engine.sock" }));
 * void watcher.watch();
 * await watcher.close();
 * const error = await watcher.ready.catch((e: unknown) => e);
 * console.assert(error instanceof WatcherClosedError);
 * ```
 */
export class WatcherClosedError extends WhalewatcherError {
  /** Creates the error. */
  constructor() {
    super("the watcher was closed");
  }
}
