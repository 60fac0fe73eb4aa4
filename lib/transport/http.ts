/**
 * Engine-neutral, runtime-neutral HTTP transport to an engine API over a unix
 * socket or TCP (optionally TLS). Read-only: only GET and HEAD are possible.
 *
 * The runtime's adapter (undici on Node, `Deno.HttpClient` on Deno, Bun's
 * `fetch` options on Bun) is chosen once, by {@linkcode runtime}.
 *
 * @module
 */

import { type LinkedSignal, linkSignals } from "../async/signals.ts";
import { runtime } from "../runtime.ts";
import { type FetcherFactory, requestUrl, type RuntimeFetcher } from "./adapter.ts";
import { wrapBody } from "./body.ts";
import { createBunFetcher } from "./bun.ts";
import { classifyBodyError, classifyTransportError } from "./classify.ts";
import { createDenoFetcher } from "./deno.ts";
import { formatEndpoint, type HttpEndpoint } from "./endpoint.ts";
import { TransportError } from "./failure.ts";
import { createNodeFetcher } from "./node.ts";
import { isForeignGreeting, unpromptedGreeting } from "./greeting.ts";
import { type HttpHeaders, type HttpResponse, StreamResponse } from "./response.ts";

export { formatEndpoint, type HttpEndpoint, parseEndpoint, type TlsSettings } from "./endpoint.ts";
export { type TransportFailure, TransportError } from "./failure.ts";
export { type HttpHeaders, type HttpResponse, StreamResponse } from "./response.ts";

/**
 * Whether an HTTP error status may heal by retrying: 5xx (the server failed),
 * 404 (say, a proxy whose backend is not up yet), 408 and 429. Other 4xx
 * answers (a socket proxy that forbids an endpoint: 403; a rejected API
 * version: 400) repeat for every retry.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 404 || status === 408 || status === 429;
}

/**
 * Options of {@linkcode HttpTransport.get}.
 *
 * @example Options a transport's `get` receives
 * ```ts
 * import type { HttpGetInit } from "@whalewatcher/whalewatcher/testing";
 *
 * const init: HttpGetInit = { signal: AbortSignal.timeout(5_000), headers: { accept: "application/json" }, headersTimeoutMs: 1_000 };
 * console.log(Object.keys(init));
 * ```
 */
export interface HttpGetInit {
  /** Aborts the request and, later, its body. */
  signal?: AbortSignal;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /**
   * Fail with a `timeout` {@linkcode TransportError} when no response headers arrive
   * within this many milliseconds. Off by default: podman's `/events` sends
   * no headers until the first event. Use it for requests that answer at
   * once (e.g. `/_ping`) to detect a peer that accepts and then says nothing.
   */
  headersTimeoutMs?: number;
}

/**
 * Options of {@linkcode HttpTransport.request}.
 *
 * @example Only GET and HEAD: the client is read-only
 * ```ts
 * import type { HttpRequestInit } from "@whalewatcher/whalewatcher/testing";
 *
 * const ping: HttpRequestInit = { method: "HEAD", headersTimeoutMs: 1_000 };
 * console.log(ping.method);
 * ```
 */
export interface HttpRequestInit extends HttpGetInit {
  /** `GET` (default) or `HEAD`; anything else is refused before any I/O. */
  method?: "GET" | "HEAD";
}

/**
 * A response read whole by {@linkcode HttpTransport.get}.
 *
 * @example A whole answer, as a fake transport returns it
 * ```ts
 * import type { HttpReply } from "@whalewatcher/whalewatcher/testing";
 *
 * const reply: HttpReply = { status: 200, statusText: "OK", headers: new Headers({ "api-version": "1.41" }), body: new TextEncoder().encode("OK") };
 * console.log(reply.status, reply.headers.get("api-version"), new TextDecoder().decode(reply.body));
 * ```
 */
export interface HttpReply {
  /** HTTP status code. */
  readonly status: number;
  /** HTTP reason phrase ("" where the runtime does not keep it). */
  readonly statusText: string;
  /** Response headers. */
  readonly headers: HttpHeaders;
  /** The whole body. */
  readonly body: Uint8Array;
}

/** Options of {@linkcode createHttpTransport}. */
export interface HttpTransportOptions {
  /** Give up connecting after this many milliseconds (default 5000). */
  connectTimeoutMs?: number;
}

/**
 * An HTTP client bound to one engine endpoint.
 *
 * @example Route a Docker client through a transport that records every path
 * ```ts
 * import { DockerClient } from "@whalewatcher/whalewatcher";
 * import type { HttpTransport, TransportFactory } from "@whalewatcher/whalewatcher/testing";
 *
 * const paths: string[] = [];
 * const recording = (inner: HttpTransport): HttpTransport => ({
 *   endpoint: inner.endpoint,
 *   request: (path, init) => (paths.push(path), inner.request(path, init)),
 *   get: (path, init) => (paths.push(path), inner.get(path, init)),
 *   close: () => inner.close(),
 *   [Symbol.asyncDispose]: () => inner.close(),
 * });
 * const ping = { status: 200, statusText: "OK", headers: new Headers({ "api-version": "1.41" }), body: new TextEncoder().encode("OK") };
 * const fake: HttpTransport = {
 *   endpoint: { kind: "unix", path: "/fake.sock" },
 *   request: () => Promise.resolve(new Response("[]")),
 *   get: (path) => Promise.resolve(path.endsWith("/_ping") ? ping : { ...ping, body: new TextEncoder().encode("[]") }),
 *   close: () => Promise.resolve(),
 *   [Symbol.asyncDispose]: () => Promise.resolve(),
 * };
 * const factory: TransportFactory = () => Promise.resolve(recording(fake));
 * await using client = new DockerClient({ host: "unix:///fake.sock", transportFactory: factory });
 * console.log(await client.list(), paths); // [] and the requests the client made
 * ```
 */
export interface HttpTransport extends AsyncDisposable {
  /** Where requests go. */
  readonly endpoint: HttpEndpoint;
  /**
   * Issues a request. Only `GET` and `HEAD` are accepted (read-only client):
   * anything else rejects with `TypeError` before any I/O. Resolves with a
   * {@linkcode HttpResponse} (the part of a standard `Response` the engine
   * clients read) once headers arrive; its body is not read yet and
   * errors with typed engine errors. Aborting `signal` aborts the request and
   * the body (which then errors with the signal's reason). `path` starts
   * with `/` and may carry a query.
   *
   * Rejects with a {@linkcode TransportError} that says what failed (its
   * `failure`), names the endpoint and knows whether it may heal
   * (`retryable`); the engine client words message and hint.
   */
  request(path: string, init?: HttpRequestInit): Promise<HttpResponse>;
  /**
   * `GET path` with the body read whole: the fast path for answers that are
   * read completely anyway (no web stream where the runtime can avoid one).
   * Rejects like {@linkcode HttpTransport.request}; a body that breaks off
   * rejects with a `broken` {@linkcode TransportError} of phase `body`.
   */
  get(path: string, init?: HttpGetInit): Promise<HttpReply>;
  /** Aborts pending requests and bodies and releases every connection. */
  close(): Promise<void>;
}

const ADAPTERS: Record<typeof runtime, FetcherFactory> = {
  node: createNodeFetcher,
  deno: createDenoFetcher,
  bun: createBunFetcher,
};

// Statuses whose responses have no body.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Creates a transport for `endpoint` using the current runtime's adapter.
 *
 * Rejects with a `denied-by-runtime` {@linkcode TransportError} when Deno
 * lacks the permissions for the socket (Deno checks them when the client is
 * created).
 */
export async function createHttpTransport(
  endpoint: HttpEndpoint,
  options: HttpTransportOptions = {},
): Promise<HttpTransport> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  let fetcher: RuntimeFetcher;
  try {
    fetcher = await ADAPTERS[runtime](endpoint, { connectTimeoutMs });
  } catch (error) {
    throw classifyTransportError(error, endpoint);
  }
  return new Transport(endpoint, fetcher);
}

class Transport implements HttpTransport {
  readonly #fetcher: RuntimeFetcher;
  readonly #active = new Set<LinkedSignal>();
  #closed = false;
  /** Whether any request got a response head: after that, a broken connection is never a protocol mismatch. */
  #answered = false;

  readonly endpoint: HttpEndpoint;

  constructor(endpoint: HttpEndpoint, fetcher: RuntimeFetcher) {
    this.endpoint = endpoint;
    this.#fetcher = fetcher;
  }

  async request(path: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
    const method = String(init.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      throw new TypeError(`refusing HTTP ${method}: this client is read-only (GET and HEAD only)`);
    }
    const call = this.#begin(path, init);
    const response = await this.#head(call, init, (signal) =>
      this.#fetcher.fetch(requestUrl(this.endpoint, path), { method, headers: init.headers ?? {}, signal }));
    const { status, statusText, headers } = response;
    let body: ReadableStream<Uint8Array> | null = null;
    if (response.body && method !== "HEAD" && !NULL_BODY_STATUSES.has(status)) {
      body = wrapBody(response.body, {
        signal: call.controller.signal,
        mapError: (error) => classifyBodyError(error, this.endpoint),
        release: call.release,
      });
    } else {
      await response.body?.cancel().catch(() => {});
      call.release();
    }
    return new StreamResponse(status, statusText, headers, body);
  }

  async get(path: string, init: HttpGetInit = {}): Promise<HttpReply> {
    const call = this.#begin(path, init);
    const head = await this.#head(call, init, (signal) =>
      this.#fetcher.read(requestUrl(this.endpoint, path), { method: "GET", headers: init.headers ?? {}, signal }));
    try {
      const body = await head.bytes();
      call.controller.signal.throwIfAborted();
      return { status: head.status, statusText: head.statusText, headers: head.headers, body };
    } catch (error) {
      if (call.controller.signal.aborted) throw call.controller.signal.reason;
      throw classifyBodyError(error, this.endpoint);
    } finally {
      call.release();
    }
  }

  /** Checks the path, registers the call for `close()` and links the caller's signal. */
  #begin(path: string, init: HttpGetInit): Call {
    if (!path.startsWith("/")) throw new TypeError(`request path must start with "/": ${JSON.stringify(path)}`);
    if (this.#closed) throw closedError();
    init.signal?.throwIfAborted();
    const controller = linkSignals(init.signal);
    this.#active.add(controller);
    return {
      controller,
      release: (): void => {
        controller.dispose();
        this.#active.delete(controller);
      },
    };
  }

  /**
   * Awaits the response head from `send`, mapping failures to typed errors
   * and enforcing the optional headers timeout; releases the call on failure.
   */
  async #head<T extends object>(
    call: Call,
    init: HttpGetInit,
    send: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const { controller } = call;
    let headersTimedOut = false;
    const headersTimer = init.headersTimeoutMs === undefined ? undefined : setTimeout(() => {
      headersTimedOut = true;
      controller.abort();
    }, init.headersTimeoutMs);
    let head: T;
    try {
      head = await send(controller.signal);
    } catch (error) {
      call.release();
      if (controller.signal.aborted) {
        if (headersTimedOut) throw this.#headersTimeoutError(init.headersTimeoutMs!, error);
        throw controller.signal.reason;
      }
      throw await this.#firstContactFailure(classifyTransportError(error, this.endpoint));
    } finally {
      clearTimeout(headersTimer);
    }
    this.#answered = true;
    if (headersTimedOut) {
      // The timer fired just as the headers arrived: the body is already aborted.
      call.release();
      const body = "body" in head ? head.body : undefined;
      if (body instanceof ReadableStream) await body.cancel().catch(() => {});
      throw this.#headersTimeoutError(init.headersTimeoutMs!, controller.signal.reason);
    }
    return head;
  }

  /**
   * A connection that broke before this transport ever got an answer may be
   * a peer of another protocol that the runtime could only report as a reset
   * (see greeting.ts): if the peer greets unprompted, it is a protocol failure.
   */
  async #firstContactFailure(failure: TransportError): Promise<TransportError> {
    if (this.#answered || failure.failure !== "broken" || this.endpoint.kind !== "unix") return failure;
    const greeting = await unpromptedGreeting(this.endpoint.path);
    if (greeting === undefined || !isForeignGreeting(greeting)) return failure;
    return new TransportError({
      failure: "protocol",
      endpoint: formatEndpoint(this.endpoint),
      detail: `${failure.detail}; the peer greets with bytes that are not HTTP/1.1`,
      cause: failure.cause,
    });
  }

  #headersTimeoutError(ms: number, cause: unknown): TransportError {
    return new TransportError({
      failure: "timeout",
      endpoint: formatEndpoint(this.endpoint),
      detail: `no HTTP response head within ${ms} ms`,
      cause,
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const reason = closedError();
    for (const controller of this.#active) controller.abort(reason);
    this.#active.clear();
    await this.#fetcher.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** One request in flight: its signal (aborted by `close()` or the caller) and how to forget it. */
interface Call {
  controller: LinkedSignal;
  release(): void;
}

function closedError(): DOMException {
  return new DOMException("the transport was closed", "AbortError");
}
