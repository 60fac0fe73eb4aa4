/**
 * One Docker engine connection: the transport, the lazily negotiated API
 * version and engine flavour, and JSON requests with typed errors.
 *
 * @module
 */

import { abortable } from "../../lib/async/wait.ts";
import { EngineApiError, type EngineError, EngineProtocolError, EngineUnavailableError } from "../../lib/errors.ts";
import { wrapBody } from "../../lib/transport/body.ts";
import {
  createHttpTransport,
  formatEndpoint,
  type HttpEndpoint,
  type HttpReply,
  type HttpResponse,
  type HttpTransport,
  isRetryableStatus,
  StreamResponse,
} from "../../lib/transport/http.ts";
import { negotiateApiVersion } from "./api-version.ts";
import { type DockerFlavour, dockerError } from "./errors.ts";
import { type DockerHost, loadTlsMaterial } from "./host.ts";

/**
 * Creates the HTTP transport to an endpoint (replaceable for tests).
 *
 * @example A Docker engine scripted in a test: up, but every API call fails with 503
 * ```ts
 * import { DockerClient, EngineApiError } from "@whalewatcher/whalewatcher";
 * import type { HttpReply, HttpTransport, TransportFactory } from "@whalewatcher/whalewatcher/testing";
 *
 * const reply = (status: number, text: string): HttpReply =>
 *   ({ status, statusText: "", headers: new Headers({ "api-version": "1.41" }), body: new TextEncoder().encode(text) });
 * const maintenance: TransportFactory = (endpoint) => {
 *   const transport: HttpTransport = {
 *     endpoint,
 *     get: (path) => Promise.resolve(path === "/_ping" ? reply(200, "OK") : reply(503, '{"message":"maintenance"}')),
 *     request: () => Promise.resolve(new Response('{"message":"maintenance"}', { status: 503 })),
 *     close: () => Promise.resolve(),
 *     [Symbol.asyncDispose]: () => Promise.resolve(),
 *   };
 *   return Promise.resolve(transport);
 * };
 * await using client = new DockerClient({ host: "unix:///nowhere.sock", transportFactory: maintenance });
 * const error = await client.list().catch((e: unknown) => e);
 * console.assert(error instanceof EngineApiError && error.status === 503 && error.retryable, String(error));
 * ```
 */
export type TransportFactory = (endpoint: HttpEndpoint) => Promise<HttpTransport>;

/** What the first `/_ping` revealed. */
export interface Negotiated {
  /** The transport, ready for requests. */
  readonly transport: HttpTransport;
  /** API version used in every path, e.g. `1.41`. */
  readonly apiVersion: string;
  /** podman's version as its `/_ping` told it (`Server: Libpod/4.3.1 (linux)`); undefined for Docker or when not told. */
  readonly podmanVersion: string | undefined;
}

/** The answer of one `GET /_ping`. */
export interface Ping {
  /** The `Api-Version` header (the engine's newest API version), if any. */
  readonly apiVersion: string | null;
  /** Whether the headers identify podman (`Libpod-Api-Version`, `Server: Libpod/…`). */
  readonly podman: boolean;
  /** The engine's clock from the `Date` header (ms, whole seconds), if any. */
  readonly date: number | undefined;
  /** podman's version from the `Server: Libpod/<version>` header, if podman tells it. */
  readonly podmanVersion: string | undefined;
}

/** No response headers within this time means the peer does not speak the Docker API. */
const PING_HEADERS_TIMEOUT_MS = 10_000;

/** podman's message for a container removed while it was being looked up (with HTTP 500). */
const PODMAN_NO_SUCH_CONTAINER = /"message":\s*"[^"]*no such container/i;

const decoder = new TextDecoder();

/** Longest error body excerpt shown in messages. */
const EXCERPT = 200;

/** Options of a {@linkcode DockerConnection}. */
export interface DockerConnectionOptions {
  /** Fixed API version (no negotiation). */
  apiVersion?: string;
  /** Creates the transport; default: the runtime's HTTP transport. */
  transportFactory?: TransportFactory;
  /** The engine named in error messages; default `Docker`. */
  flavour?: DockerFlavour;
}

/** A lazily opened, shared connection to one Docker-compatible engine. */
export class DockerConnection {
  /** The endpoint as shown to users, e.g. `unix:///var/run/docker.sock`. */
  readonly api: string;
  /** Where the address came from: `DOCKER_HOST`, a Docker CLI context, the default… */
  readonly source: string;
  readonly #host: DockerHost;
  readonly #fixedVersion: string | undefined;
  readonly #factory: TransportFactory;
  readonly #flavour: DockerFlavour;
  #transport: Promise<HttpTransport> | undefined;
  #negotiated: Promise<Negotiated> | undefined;
  #closed = false;
  #podman = false;

  /** Prepares the connection; nothing is opened until the first request. */
  constructor(host: DockerHost, options: DockerConnectionOptions = {}) {
    this.#host = host;
    this.api = formatEndpoint(host.endpoint);
    this.source = host.source;
    this.#fixedVersion = options.apiVersion;
    this.#factory = options.transportFactory ?? ((endpoint) => createHttpTransport(endpoint));
    this.#flavour = options.flavour ?? "Docker";
  }

  /**
   * Opens the transport and negotiates once; concurrent callers share the
   * attempt, and a failed attempt is forgotten so that the next call retries.
   */
  negotiated(signal?: AbortSignal): Promise<Negotiated> {
    if (this.#closed) return Promise.reject(this.#closedError());
    this.#negotiated ??= this.#negotiate().catch((error: unknown) => {
      this.#negotiated = undefined;
      throw error;
    });
    return abortable(this.#negotiated, signal);
  }

  async #negotiate(): Promise<Negotiated> {
    const transport = await this.#openTransport();
    const ping = await this.ping(transport);
    const apiVersion = this.#fixedVersion ?? negotiateApiVersion(ping.apiVersion);
    if (ping.podman) this.#podman = true;
    return { transport, apiVersion, podmanVersion: ping.podmanVersion };
  }

  /** Whether a response so far identified the engine as podman. */
  get podman(): boolean {
    return this.#podman;
  }

  /** Records that the engine is podman (e.g. as told by `/version`). */
  detectedPodman(): void {
    this.#podman = true;
  }

  #openTransport(): Promise<HttpTransport> {
    this.#transport ??= (async () => this.#factory(await loadTlsMaterial(this.#host)))().catch((error: unknown) => {
      this.#transport = undefined;
      throw this.#word(error);
    });
    return this.#transport;
  }

  /** `GET /_ping` (unversioned): the engine's API version, flavour and clock. */
  async ping(transport?: HttpTransport, signal?: AbortSignal): Promise<Ping> {
    const t = transport ?? (await this.negotiated(signal)).transport;
    const reply = await this.#get(t, "/_ping", signal, PING_HEADERS_TIMEOUT_MS);
    if (reply.status !== 200) {
      throw new EngineProtocolError(`${this.api} answered /_ping with HTTP ${reply.status}`, {
        endpoint: this.api,
        retryable: isRetryableStatus(reply.status),
        hint: "is this a Docker or podman API endpoint? Check DOCKER_HOST (a proxy may need its base path)",
      });
    }
    const server = reply.headers.get("server") ?? "";
    const date = Date.parse(reply.headers.get("date") ?? "");
    return {
      apiVersion: reply.headers.get("api-version"),
      podman: reply.headers.has("libpod-api-version") || /^libpod\b/i.test(server),
      date: Number.isFinite(date) ? date : undefined,
      podmanVersion: /^libpod\/(\S+)/i.exec(server)?.[1],
    };
  }

  /**
   * `GET /v1.NN{path}` and its JSON body; `undefined` when `notFound` is
   * `"undefined"` and the object does not exist: a 404, or podman's 500
   * "no such container" (podman 4.3 answers so for a container removed
   * after its lookup, as when a list is inspected while compose takes a
   * project down).
   */
  async getJson(path: string, signal?: AbortSignal, notFound: "error" | "undefined" = "error"): Promise<unknown> {
    const { transport, apiVersion } = await this.negotiated(signal);
    const reply = await this.#get(transport, `/v${apiVersion}${path}`, signal);
    if (reply.status === 404 && notFound === "undefined") return undefined;
    const text = decoder.decode(reply.body);
    if (reply.status === 500 && notFound === "undefined" && this.podman && PODMAN_NO_SUCH_CONTAINER.test(text)) return undefined;
    if (reply.status !== 200) throw this.#apiError(reply.status, reply.statusText, text, path);
    try {
      return JSON.parse(text);
    } catch (cause) {
      // Retryable: a reply cut short reads like this too; a proxy's error page comes with an error status.
      throw new EngineProtocolError(`malformed JSON from ${this.api} for ${path}: ${excerpt(text)}`, {
        endpoint: this.api,
        cause,
        retryable: true,
        hint: "is this a Docker or podman API endpoint? A proxy may answer with something else",
      });
    }
  }

  /**
   * Opens a streaming `GET /v1.NN{path}`; resolves with the response once its
   * headers arrive. Its body errors with the typed, worded engine errors.
   */
  async stream(apiVersion: string, transport: HttpTransport, path: string, signal: AbortSignal): Promise<HttpResponse> {
    let response: HttpResponse;
    try {
      response = await transport.request(`/v${apiVersion}${path}`, { signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw this.#word(error);
    }
    if (response.status !== 200) {
      let text = "";
      try {
        text = await response.text();
      } catch (error) {
        if (signal.aborted) throw error;
      }
      throw this.#apiError(response.status, response.statusText, text, path);
    }
    if (!response.body) return response;
    const body = wrapBody(response.body, { signal, mapError: (error) => this.#word(error), release: () => {} });
    return new StreamResponse(response.status, response.statusText, response.headers, body);
  }

  /** The typed error for a non-200 answer, with the engine's own message. */
  #apiError(status: number, statusText: string, text: string, path: string): EngineError {
    let message = excerpt(text.trim());
    try {
      const body = JSON.parse(text) as { message?: unknown };
      if (typeof body?.message === "string") message = body.message;
    } catch {
      // Not JSON: a proxy's error page, say; the excerpt tells.
    }
    return new EngineApiError(`${this.api} answered ${path} with HTTP ${status}: ${message || statusText}`, {
      endpoint: this.api,
      status,
      retryable: isRetryableStatus(status),
      hint: status >= 500
        ? "the engine failed internally: its log says why"
        : status === 400 && /version/i.test(message)
        ? "the engine rejected the API version: unset DOCKER_API_VERSION to negotiate"
        : status === 403
        ? "the engine or a socket proxy in front of it forbids this request; whalewatcher needs " +
          "GET /_ping, /version, /info, /containers/json, /containers/{id}/json and /events"
        : "",
    });
  }

  async #get(transport: HttpTransport, path: string, signal?: AbortSignal, headersTimeoutMs?: number): Promise<HttpReply> {
    try {
      return await transport.get(path, {
        ...(signal ? { signal } : {}),
        ...(headersTimeoutMs !== undefined ? { headersTimeoutMs } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.#word(error);
    }
  }

  /** Words a transport failure for this endpoint; other errors pass unchanged. */
  #word(error: unknown): unknown {
    return dockerError(error, this.#host.endpoint, this.#host.source, this.#flavour);
  }

  /** Closes the transport (if opened); later requests fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const transport = this.#transport;
    this.#transport = undefined;
    this.#negotiated = undefined;
    if (transport) await transport.then((t) => t.close(), () => {});
  }

  #closedError(): EngineUnavailableError {
    // Not retryable: a closed client never opens again.
    return new EngineUnavailableError(`the Docker client for ${this.api} is closed`, { endpoint: this.api, retryable: false });
  }
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);
}
