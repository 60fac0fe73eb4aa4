/**
 * Typed errors shared by the watcher core and every engine client.
 *
 * @module
 */

/** Base class of every error this module throws on purpose. */
export class WhalewatcherError extends Error {
  /** Creates an error with a message and an optional cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Details common to the errors that concern one engine endpoint. */
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

/** Nothing listens at the endpoint: the socket is missing or refuses connections. */
export class EngineUnavailableError extends EngineError {}

/** The endpoint exists but this process may not connect to it. */
export class EnginePermissionError extends EngineError {}

/** The peer does not speak the expected protocol, or sent malformed or truncated data. */
export class EngineProtocolError extends EngineError {}

/** The engine answered a request with an error status. */
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

/** The error a watcher's `ready` rejects with when the watcher is closed before its first sync. */
export class WatcherClosedError extends WhalewatcherError {
  /** Creates the error. */
  constructor() {
    super("the watcher was closed");
  }
}
