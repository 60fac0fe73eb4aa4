/**
 * The response types the transport hands out: the part of the standard
 * `Response` and `Headers` that the engine clients read. A standard
 * `Response` satisfies them (Deno's and Bun's `fetch` answers are passed on
 * as they are); on Node the transport builds its own, because Node's global
 * `Response` and `Headers` live in Node's bundled copy of undici, which the
 * first touch loads and compiles: +17 MB resident and 13–90 ms on a cold
 * start, beside the npm undici the Node adapter already uses.
 *
 * @module
 */

/**
 * Response headers, looked up by name (case-insensitive).
 *
 * @example A standard `Headers` is one
 * ```ts
 * import type { HttpHeaders } from "./response.ts";
 * const headers: HttpHeaders = new Headers({ "Api-Version": "1.41" });
 * console.log(headers.get("api-version")); // 1.41
 * ```
 */
export interface HttpHeaders {
  /** The header's value (repeated headers joined with `, `), or `null`. */
  get(name: string): string | null;
  /** Whether the header is present. */
  has(name: string): boolean;
}

/**
 * A response head and its body, not read yet.
 *
 * @example A standard `Response` is one
 * ```ts
 * import type { HttpResponse } from "./response.ts";
 * const response: HttpResponse = new Response("OK", { headers: { "api-version": "1.41" } });
 * console.log(response.status, response.headers.get("api-version"), await response.text()); // 200 1.41 OK
 * ```
 */
export interface HttpResponse {
  /** HTTP status code. */
  readonly status: number;
  /** HTTP reason phrase ("" where the runtime does not keep it). */
  readonly statusText: string;
  /** Response headers. */
  readonly headers: HttpHeaders;
  /** The body, `null` for HEAD and the statuses without one. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** Reads the whole body as bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Reads the whole body as UTF-8 text. */
  text(): Promise<string>;
  /** Reads the whole body and parses it as JSON. */
  json(): Promise<unknown>;
}

/**
 * Headers from a plain record with lower-case names, as Node's HTTP clients
 * give them (a repeated header as an array of its values).
 *
 * @example
 * ```ts
 * import { RecordHeaders } from "./response.ts";
 * const headers = new RecordHeaders({ "api-version": "1.41", "set-cookie": ["a=1", "b=2"] });
 * console.log(headers.get("API-Version"), headers.get("set-cookie"), headers.has("server")); // 1.41 a=1, b=2 false
 * ```
 */
export class RecordHeaders implements HttpHeaders {
  readonly #record: Readonly<Record<string, string | readonly string[] | undefined>>;

  /** Wraps `record`, whose names are lower case. */
  constructor(record: Readonly<Record<string, string | readonly string[] | undefined>>) {
    this.#record = record;
  }

  /** The header's value (repeated headers joined with `, `), or `null`. */
  get(name: string): string | null {
    const value = this.#record[name.toLowerCase()];
    if (value === undefined) return null;
    return typeof value === "string" ? value : value.join(", ");
  }

  /** Whether the header is present. */
  has(name: string): boolean {
    return this.#record[name.toLowerCase()] !== undefined;
  }
}

/**
 * A response made of a head and a body stream, read once.
 *
 * @example
 * ```ts
 * import { RecordHeaders, StreamResponse } from "./response.ts";
 * const body = new Blob(['{"ok":true}']).stream();
 * const response = new StreamResponse(200, "OK", new RecordHeaders({}), body);
 * console.log(response.status, await response.json()); // 200 { ok: true }
 * ```
 */
export class StreamResponse implements HttpResponse {
  /** HTTP status code. */
  readonly status: number;
  /** HTTP reason phrase. */
  readonly statusText: string;
  /** Response headers. */
  readonly headers: HttpHeaders;
  /** The body, `null` for none. */
  readonly body: ReadableStream<Uint8Array> | null;

  /** A response of `status` with `headers` and `body`. */
  constructor(status: number, statusText: string, headers: HttpHeaders, body: ReadableStream<Uint8Array> | null) {
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.body = body;
  }

  /** Reads the whole body as bytes. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await readAll(this.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** Reads the whole body as UTF-8 text. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await readAll(this.body));
  }

  /** Reads the whole body and parses it as JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

async function readAll(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
    length += read.value.byteLength;
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks, length);
}

/**
 * Joins byte chunks of `length` bytes in all into one array.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./response.ts";
 * console.log(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])], 3)); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const all = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  return all;
}
