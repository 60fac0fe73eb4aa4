/**
 * The small interface each runtime adapter implements: a `fetch` bound to one
 * endpoint, and a way to release its connections.
 *
 * @module
 */

import { type HttpEndpoint, hostForUrl } from "./endpoint.ts";

/** What the shared transport passes to an adapter's fetch. */
export interface AdapterRequestInit {
  /** Already validated: only reads are possible. */
  method: "GET" | "HEAD";
  /** Request headers. */
  headers: Record<string, string>;
  /** Aborts the request and its body. */
  signal: AbortSignal;
}

/** One runtime's way of issuing HTTP requests to one endpoint. */
export interface RuntimeFetcher {
  /** Issues the request; resolves once response headers arrive. */
  fetch(url: string, init: AdapterRequestInit): Promise<Response>;
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
