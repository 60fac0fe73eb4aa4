/**
 * The small interface each runtime adapter implements: a `fetch` bound to one
 * endpoint, and a way to release its connections.
 *
 * @module
 */

import { type HttpEndpoint, hostForUrl } from "./endpoint.ts";
import type { HttpHeaders } from "./response.ts";

/** What the shared transport passes to an adapter's fetch. */
export interface AdapterRequestInit {
  /** Already validated: only reads are possible. */
  method: "GET" | "HEAD";
  /** Request headers. */
  headers: Record<string, string>;
  /** Aborts the request and its body. */
  signal: AbortSignal;
}

/** A response head whose body is read whole, on demand. */
export interface AdapterReply {
  /** HTTP status code. */
  status: number;
  /** HTTP reason phrase ("" where the runtime does not keep it). */
  statusText: string;
  /** Response headers. */
  headers: HttpHeaders;
  /** Reads the whole body. */
  bytes(): Promise<Uint8Array>;
}

/** A response head whose body streams: a standard `Response` is one. */
export interface AdapterStream {
  /** HTTP status code. */
  status: number;
  /** HTTP reason phrase ("" where the runtime does not keep it). */
  statusText: string;
  /** Response headers. */
  headers: HttpHeaders;
  /** The body, not read yet. */
  body: ReadableStream<Uint8Array> | null;
}

/** One runtime's way of issuing HTTP requests to one endpoint. */
export interface RuntimeFetcher {
  /** Issues the request; resolves once response headers arrive. */
  fetch(url: string, init: AdapterRequestInit): Promise<AdapterStream>;
  /**
   * Issues a request whose body the caller reads whole: the runtime's
   * cheapest way, with no web stream in between where the runtime allows.
   */
  read(url: string, init: AdapterRequestInit): Promise<AdapterReply>;
  /** Releases every connection and handle held for the endpoint. */
  close(): Promise<void>;
}

/** Options every adapter honours. */
export interface AdapterOptions {
  /** Give up connecting after this many milliseconds. */
  connectTimeoutMs: number;
}

/** Creates a runtime's fetcher for an endpoint. */
export type FetcherFactory = (endpoint: HttpEndpoint, options: AdapterOptions) => Promise<RuntimeFetcher>;

/**
 * The URL to fetch for `path` on `endpoint`. Unix sockets use the host
 * `localhost`: the engine ignores it, and Bun's `fetch({unix})` trips over
 * other names (oven-sh/bun#13393).
 */
export function requestUrl(endpoint: HttpEndpoint, path: string): string {
  if (endpoint.kind === "unix") return `http://localhost${path}`;
  const scheme = endpoint.tls ? "https" : "http";
  return `${scheme}://${hostForUrl(endpoint.host)}:${endpoint.port}${endpoint.basePath ?? ""}${path}`;
}

/** The reply of a `fetch` response, for runtimes whose `fetch` is their cheapest way. */
export function replyOf(response: Response): AdapterReply {
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    bytes: async () => new Uint8Array(await response.arrayBuffer()),
  };
}
