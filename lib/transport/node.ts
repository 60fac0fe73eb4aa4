/**
 * Node adapter: undici with a dedicated `Agent`, which is the only way to
 * reach a unix socket with `fetch` on Node. Streams (the event stream) go
 * through undici's `fetch`; bodies read whole (list, inspect) go through
 * `undici.request`, which skips the web streams and costs about a third of
 * the CPU per request: on a busy engine host that is what bounds a sync.
 *
 * @module
 */

import type { AdapterOptions, AdapterReply, AdapterRequestInit, FetcherFactory, RuntimeFetcher } from "./adapter.ts";
import type { HttpEndpoint } from "./endpoint.ts";

/** The part of undici's `Agent` options this adapter sets. */
export interface UndiciAgentOptions {
  /** Socket options: unix path or TLS material, and the connect timeout. */
  connect: {
    socketPath?: string;
    timeout: number;
    ca?: string;
    cert?: string;
    key?: string;
    rejectUnauthorized?: boolean;
  };
  /** Idle time allowed between body chunks; 0 = none. */
  bodyTimeout: number;
  /** Time allowed until response headers; 0 = none. */
  headersTimeout: number;
}

interface UndiciAgent {
  destroy(): Promise<void>;
}

/** The part of `undici.request`'s answer this adapter reads. */
interface UndiciResponseData {
  statusCode: number;
  statusText?: string;
  headers: Record<string, string | string[] | undefined>;
  body: { arrayBuffer(): Promise<ArrayBuffer> };
}

interface Undici {
  Agent: new (options: UndiciAgentOptions) => UndiciAgent;
  fetch(url: string, init: AdapterRequestInit & { dispatcher: UndiciAgent }): Promise<Response>;
  request(url: string, init: AdapterRequestInit & { dispatcher: UndiciAgent }): Promise<UndiciResponseData>;
}

// A non-literal specifier: Deno's module graph (and so JSR) never resolves
// or downloads undici, and Deno and Bun never evaluate this import.
const UNDICI: string = "undici";

/**
 * The undici `Agent` options for an endpoint. No body or headers timeout: a
 * quiet event stream is normal, and podman sends no headers on `/events`
 * until the first event (podman#23712); only connecting has a deadline.
 */
export function undiciAgentOptions(endpoint: HttpEndpoint, options: AdapterOptions): UndiciAgentOptions {
  const connect: UndiciAgentOptions["connect"] = { timeout: options.connectTimeoutMs };
  if (endpoint.kind === "unix") {
    connect.socketPath = endpoint.path;
  } else if (endpoint.tls) {
    const { ca, cert, key, verify } = endpoint.tls;
    if (ca !== undefined) connect.ca = ca;
    if (cert !== undefined) connect.cert = cert;
    if (key !== undefined) connect.key = key;
    connect.rejectUnauthorized = verify;
  }
  return { connect, bodyTimeout: 0, headersTimeout: 0 };
}

/** Creates the Node fetcher for an endpoint. */
export const createNodeFetcher: FetcherFactory = async (endpoint, options): Promise<RuntimeFetcher> => {
  const undici = (await import(UNDICI)) as Undici;
  const dispatcher = new undici.Agent(undiciAgentOptions(endpoint, options));
  return {
    fetch: (url, init) => undici.fetch(url, { ...init, dispatcher }),
    read: async (url, init) => replyOfUndici(await undici.request(url, { ...init, dispatcher })),
    close: () => dispatcher.destroy(),
  };
};

function replyOfUndici(data: UndiciResponseData): AdapterReply {
  const headers = new Headers();
  for (const [name, value] of Object.entries(data.headers)) {
    if (typeof value === "string") headers.append(name, value);
    else if (value) for (const v of value) headers.append(name, v);
  }
  return {
    status: data.statusCode,
    statusText: data.statusText ?? "",
    headers,
    bytes: async () => new Uint8Array(await data.body.arrayBuffer()),
  };
}
