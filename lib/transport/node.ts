/**
 * Node adapter: undici with a dedicated `Agent` (unix socket or TLS
 * material). Every request goes through undici's `request`, which skips the
 * web streams of its `fetch` and costs about a third of the CPU per request
 * (on a busy engine host that is what bounds a sync); a streamed body (the
 * event stream) is turned into a web stream here. Neither undici's `fetch`
 * nor Node's global `Response`/`Headers` (Node's own bundled undici) is
 * loaded: see response.ts.
 *
 * @module
 */

import type {
  AdapterOptions,
  AdapterReply,
  AdapterRequestInit,
  AdapterStream,
  FetcherFactory,
  RuntimeFetcher,
} from "./adapter.ts";
import type { HttpEndpoint } from "./endpoint.ts";
import { RecordHeaders } from "./response.ts";

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

/** The options of undici's `request` that this adapter passes (a dispatcher method: origin and path apart). */
interface UndiciRequestOptions {
  origin: string;
  path: string;
  method: AdapterRequestInit["method"];
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** The body of an undici `request` answer: a Node `Readable`. */
interface UndiciBody extends AsyncIterable<Uint8Array> {
  arrayBuffer(): Promise<ArrayBuffer>;
  destroy(error?: Error): void;
  on(event: "error", listener: (error: Error) => void): void;
}

/** The part of `undici.request`'s answer this adapter reads. */
interface UndiciResponseData {
  statusCode: number;
  statusText?: string;
  headers: Record<string, string | string[] | undefined>;
  body: UndiciBody;
}

type UndiciRequest = (this: UndiciAgent, options: UndiciRequestOptions) => Promise<UndiciResponseData>;

// undici's parts from their own files: its index also evaluates fetch, WebSocket, EventSource, the cache and
// mock code (110 files against 25, 73 ms and +15 MB resident of a cold `--json` run on Node 24). Non-literal
// specifiers: Deno's module graph (and so JSR) never resolves or downloads undici, and Deno and Bun never
// evaluate these imports. undici is pinned (package.json): these paths are checked by the Node tests.
const UNDICI: string = "undici";
const AGENT: string = `${UNDICI}/lib/dispatcher/agent.js`;
const REQUEST: string = `${UNDICI}/lib/api/api-request.js`;

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
  const [agent, api] = await Promise.all([import(AGENT), import(REQUEST)]);
  const Agent = agent.default as new (options: UndiciAgentOptions) => UndiciAgent;
  const request = api.default as UndiciRequest;
  const dispatcher = new Agent(undiciAgentOptions(endpoint, options));
  const send = (url: string, init: AdapterRequestInit): Promise<UndiciResponseData> => {
    const { origin, pathname, search } = new URL(url);
    return request.call(dispatcher, { origin, path: pathname + search, ...init });
  };
  return {
    fetch: async (url, init) => streamOfUndici(await send(url, init)),
    read: async (url, init) => replyOfUndici(await send(url, init)),
    close: () => dispatcher.destroy(),
  };
};

function replyOfUndici(data: UndiciResponseData): AdapterReply {
  return {
    status: data.statusCode,
    statusText: data.statusText ?? "",
    headers: new RecordHeaders(data.headers),
    bytes: async () => new Uint8Array(await data.body.arrayBuffer()),
  };
}

/** The answer with its body as a web stream that reads the Node stream chunk by chunk (no read-ahead). */
function streamOfUndici(data: UndiciResponseData): AdapterStream {
  const chunks = data.body[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller): Promise<void> {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(): void {
      // Cancelled on purpose: the abort error undici's body then emits is this cancel, not a failure.
      data.body.on("error", () => {});
      data.body.destroy();
    },
  }, { highWaterMark: 0 });
  return { status: data.statusCode, statusText: data.statusText ?? "", headers: new RecordHeaders(data.headers), body };
}
