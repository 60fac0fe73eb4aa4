/**
 * A fake {@linkcode HttpTransport} that replays the bodies recorded from real
 * dockerd and podman (`fixtures/docker`, `fixtures/podman`), chunked as a
 * test asks, and refuses (and records) anything but GET and HEAD.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { classifyBodyError } from "../../lib/transport/classify.ts";
import type { HttpEndpoint, HttpGetInit, HttpReply, HttpRequestInit, HttpTransport } from "../../lib/transport/http.ts";

/** Which engine's recordings to replay. */
export type Flavour = "docker" | "podman";

/** Reads a fixture file as bytes. */
export function fixtureBytes(flavour: Flavour, file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../fixtures/${flavour}/${file}`, import.meta.url)));
}

/** Reads a fixture file as JSON. */
export function fixtureJson(flavour: Flavour, file: string): unknown {
  return JSON.parse(new TextDecoder().decode(fixtureBytes(flavour, file)));
}

/** The recorded inspect results by container ID. */
export function recordedInspects(flavour: Flavour): Map<string, Record<string, unknown>> {
  const dir = new URL(`../../fixtures/${flavour}/inspect/`, import.meta.url);
  const byId = new Map<string, Record<string, unknown>>();
  for (const file of readdirSync(dir)) {
    const inspect = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Record<string, unknown>;
    byId.set(inspect.Id as string, inspect);
  }
  return byId;
}

/** The recorded inspect of the container with this name (without `/`). */
export function recordedInspect(flavour: Flavour, name: string): Record<string, unknown> {
  for (const inspect of recordedInspects(flavour).values()) if (inspect.Name === `/${name}`) return inspect;
  throw new Error(`no recorded inspect of ${name}`);
}

/** The recorded `/_ping` response headers. */
export function recordedPingHeaders(flavour: Flavour): Headers {
  const headers = new Headers();
  const lines = new TextDecoder().decode(fixtureBytes(flavour, "ping.headers")).split(/\r?\n/).slice(1);
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  headers.delete("content-length");
  return headers;
}

/** A replayed response: status, headers and body bytes, and how to cut the body into chunks. */
export interface Reply {
  status?: number;
  headers?: HeadersInit;
  body?: Uint8Array | string;
  /** Offsets at which to cut the body into chunks. */
  cuts?: number[];
  /** Keep the body open after the last chunk until the request is aborted (an idle event stream). */
  keepOpen?: boolean;
  /** Fail the body with this error after the last chunk (a connection that breaks). */
  failWith?: unknown;
  /** Resolve the response (headers) only once this promise settles (podman's late headers). */
  headersWhen?: Promise<unknown>;
  /** Delay before the headers, in ms. */
  delayMs?: number;
}

/** Decides the reply to a request path; `undefined` falls through to the recordings. */
export type Route = (path: string) => Reply | undefined;

/** One request as the fake saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  signal: AbortSignal | undefined;
}

const encoder = new TextEncoder();

/** The fake transport; see the module doc. */
export class ReplayTransport implements HttpTransport {
  readonly endpoint: HttpEndpoint = { kind: "unix", path: "/replay/docker.sock" };
  readonly requests: SeenRequest[] = [];
  /** Requests refused because they were not GET or HEAD. */
  readonly refused: SeenRequest[] = [];
  /** Paths of the requests whose bodies the client cancelled. */
  readonly cancelled: string[] = [];
  /** How often close() was called. */
  closed = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly #flavour: Flavour;
  readonly #routes: Route[];
  readonly #inspects: Map<string, Record<string, unknown>>;

  constructor(flavour: Flavour, ...routes: Route[]) {
    this.#flavour = flavour;
    this.#routes = routes;
    this.#inspects = recordedInspects(flavour);
  }

  /** Every request path without its `/v1.NN` prefix and query, in order. */
  get paths(): string[] {
    return this.requests.map((r) => r.path);
  }

  async request(path: string, init: HttpRequestInit = {}): Promise<Response> {
    const method = init.method ?? "GET";
    const seen = { method, path, signal: init.signal };
    if (method !== "GET" && method !== "HEAD") {
      this.refused.push(seen);
      throw new TypeError(`read-only: refusing ${method} ${path}`);
    }
    this.requests.push(seen);
    init.signal?.throwIfAborted();
    const reply = this.#routes.reduce<Reply | undefined>((found, route) => found ?? route(path), undefined) ??
      this.#recorded(path);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (reply.delayMs) await abortableDelay(reply.delayMs, init.signal);
      if (reply.headersWhen) await Promise.race([reply.headersWhen, rejectOnAbort(init.signal)]);
    } finally {
      this.inFlight--;
    }
    return new Response(method === "HEAD" ? null : this.#body(reply, path, init.signal), {
      status: reply.status ?? 200,
      headers: reply.headers ?? { "content-type": "application/json" },
    });
  }

  /** As the real transport: a GET whose body is read whole. */
  async get(path: string, init: HttpGetInit = {}): Promise<HttpReply> {
    const response = await this.request(path, init);
    const { status, statusText, headers } = response;
    try {
      return { status, statusText, headers, body: new Uint8Array(await response.arrayBuffer()) };
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw classifyBodyError(error, this.endpoint);
    }
  }

  #recorded(path: string): Reply {
    const f = this.#flavour;
    if (path === "/_ping") return { headers: recordedPingHeaders(f), body: "OK" };
    const match = /^\/v\d+\.\d+(\/[^?]*)(?:\?(.*))?$/.exec(path);
    if (!match) return { status: 404, body: '{"message":"page not found"}' };
    const [, route, query = ""] = match;
    if (route === "/version") return { body: fixtureBytes(f, "version.json") };
    if (route === "/info") return { body: fixtureBytes(f, "info.json") };
    if (route === "/containers/json") {
      const filters = new URLSearchParams(query).get("filters");
      if (filters !== '{"status":["running","paused"]}') {
        return { status: 400, body: `{"message":"unexpected list filters ${filters}"}` };
      }
      return { body: fixtureBytes(f, "containers.json") };
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(route ?? "");
    if (inspect) {
      const key = decodeURIComponent(inspect[1]!);
      const found = this.#inspects.get(key) ??
        [...this.#inspects.values()].find((i) => i.Name === `/${key}` || (i.Id as string).startsWith(key));
      if (found) return { body: JSON.stringify(found) };
      return { status: 404, body: fixtureBytes(f, "inspect-404.json") };
    }
    if (route === "/events") {
      const params = new URLSearchParams(query);
      // As the engines do: with `until`, the logged events in [since, until], then the end.
      if (params.has("until")) return { body: eventsBetween(fixtureBytes(f, "events.ndjson"), params) };
      return { body: fixtureBytes(f, "events.ndjson"), keepOpen: true };
    }
    return { status: 404, body: '{"message":"page not found"}' };
  }

  #body(reply: Reply, path: string, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
    const bytes = typeof reply.body === "string" ? encoder.encode(reply.body) : reply.body ?? new Uint8Array(0);
    const bounds = [0, ...(reply.cuts ?? []).filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
    let next = 0;
    let onAbort: (() => void) | undefined;
    const stop = (): void => {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    };
    return new ReadableStream<Uint8Array>({
      start: (controller): void => {
        onAbort = (): void => {
          stop();
          controller.error(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      },
      pull: (controller): void | Promise<void> => {
        if (next + 1 < bounds.length) {
          if (bounds[next] !== bounds[next + 1]) controller.enqueue(bytes.slice(bounds[next], bounds[next + 1]));
          next++;
          return;
        }
        if (reply.failWith !== undefined) {
          stop();
          controller.error(reply.failWith);
        } else if (!reply.keepOpen) {
          stop();
          controller.close();
        } else {
          // Idle until aborted: the abort listener errors the stream.
          return new Promise<void>(() => {});
        }
      },
      cancel: (): void => {
        stop();
        this.cancelled.push(path);
      },
    }, { highWaterMark: 0 });
  }

  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A transport factory that hands out `transport` and remembers the endpoint it was asked for. */
export function factoryOf(transport: HttpTransport): ((endpoint: HttpEndpoint) => Promise<HttpTransport>) & {
  endpoints: HttpEndpoint[];
} {
  const endpoints: HttpEndpoint[] = [];
  const factory = (endpoint: HttpEndpoint): Promise<HttpTransport> => {
    endpoints.push(endpoint);
    return Promise.resolve(transport);
  };
  return Object.assign(factory, { endpoints });
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function rejectOnAbort(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** The NDJSON lines whose `timeNano` lies within the query's `since` and `until` (seconds, fraction allowed). */
function eventsBetween(ndjson: Uint8Array, params: URLSearchParams): string {
  const nanos = (seconds: string | null, fallback: number): number => (seconds === null ? fallback : Number(seconds) * 1e9);
  const since = nanos(params.get("since"), 0);
  const until = nanos(params.get("until"), Infinity);
  return new TextDecoder().decode(ndjson).split("\n").filter((line) => {
    if (line.trim() === "") return false;
    const time = (JSON.parse(line) as { timeNano: number }).timeNano;
    return time >= since && time <= until;
  }).map((line) => `${line}\n`).join("");
}
