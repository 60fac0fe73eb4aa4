/**
 * A byte-level decoder for streams of JSON values, one per line: NDJSON /
 * JSON Lines (`application/x-ndjson`, `application/jsonl`, Docker's
 * `application/json` event stream) and RFC 7464 JSON text sequences
 * (`application/json-seq`, each record prefixed with the RS byte `0x1E`).
 *
 * Lines are split on the `\n` byte before any text decoding, so objects
 * split across chunks, several objects in one chunk and multi-byte UTF-8
 * characters split across chunks all decode the same. A trailing `\r`, a
 * leading `0x1E` and blank lines are ignored.
 *
 * @example
 * ```ts
 * import { decodeJsonLines } from "./ndjson.ts";
 * const body = new Blob(['{"a":1}\n{"a":2}\n']).stream();
 * for await (const value of decodeJsonLines(body)) console.log(value);
 * ```
 *
 * @module
 */

import { EngineProtocolError } from "../../lib/errors.ts";
import { concatBytes } from "../../lib/transport/response.ts";

/** The longest line {@linkcode decodeJsonLines} accepts by default: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES: number = 16 * 1024 * 1024;

/** Options of {@linkcode decodeJsonLines}. */
export interface DecodeJsonLinesOptions {
  /** Longest accepted line in bytes (without its `\n`); longer lines fail the stream. */
  maxLineBytes?: number;
  /** The endpoint the bytes come from, named in errors. */
  endpoint?: string;
}

const LF = 0x0a;
const CR = 0x0d;
const RS = 0x1e;

/**
 * The synchronous core of {@linkcode decodeJsonLines}: feed it chunks, get
 * back the values whose lines they complete, in order, before any error a
 * later line of the same chunk raises. Iterate each result to its end before
 * pushing the next chunk.
 *
 * @example
 * ```ts
 * import { JsonLineDecoder } from "./ndjson.ts";
 * const decoder = new JsonLineDecoder();
 * [...decoder.push(new TextEncoder().encode('{"a":1}\n{"a"'))]; // [{ a: 1 }]
 * [...decoder.push(new TextEncoder().encode(":2}\n"))]; // [{ a: 2 }]
 * [...decoder.finish()]; // []
 * ```
 */
export class JsonLineDecoder {
  readonly #maxLineBytes: number;
  readonly #endpoint: string;
  readonly #text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  #lineNumber = 0;
  /** Bytes of the current, still incomplete line. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  /** Creates a decoder; see {@linkcode DecodeJsonLinesOptions}. */
  constructor(options: DecodeJsonLinesOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#endpoint = options.endpoint ?? "";
  }

  /**
   * Consumes the next chunk, yielding the values of the lines it
   * completes. Throws {@linkcode EngineProtocolError} on malformed JSON,
   * invalid UTF-8 or an over-long line.
   */
  *push(chunk: Uint8Array): Generator<unknown, void, undefined> {
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) break;
      const piece = chunk.subarray(from, lf);
      this.#checkLength(piece.length);
      let line = piece;
      if (this.#pending.length > 0) {
        this.#pending.push(piece);
        line = concatBytes(this.#pending, this.#pendingBytes + piece.length);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      const parsed = this.#parse(line);
      if (parsed) yield parsed.value;
      from = lf + 1;
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      this.#checkLength(rest.length);
      // Copied: the producer may reuse its chunk buffers.
      this.#pending.push(rest.slice());
      this.#pendingBytes += rest.length;
    }
  }

  /** Ends the input, yielding the value of a last line that had no newline. */
  *finish(): Generator<unknown, void, undefined> {
    if (this.#pendingBytes > 0) {
      const line = concatBytes(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
      const parsed = this.#parse(line);
      if (parsed) yield parsed.value;
    }
  }

  #checkLength(more: number): void {
    if (this.#pendingBytes + more > this.#maxLineBytes) {
      throw new EngineProtocolError(
        `JSON line ${this.#lineNumber + 1} from ${this.#source()} exceeds ${this.#maxLineBytes} bytes`,
        // Retryable, as any garbage in a stream that had worked: a new stream may be fine.
        { endpoint: this.#endpoint, retryable: true, hint: "the peer is probably not a Docker-compatible engine" },
      );
    }
  }

  /** Parses one line without its `\n`; `undefined` for a blank line. */
  #parse(bytes: Uint8Array): { value: unknown } | undefined {
    this.#lineNumber++;
    let start = 0;
    let end = bytes.length;
    if (end > start && bytes[start] === RS) start++;
    if (end > start && bytes[end - 1] === CR) end--;
    let text: string;
    try {
      text = this.#text.decode(bytes.subarray(start, end));
    } catch (cause) {
      throw new EngineProtocolError(`invalid UTF-8 in JSON line ${this.#lineNumber} from ${this.#source()}`, {
        endpoint: this.#endpoint,
        cause,
        retryable: true,
      });
    }
    if (text.trim() === "") return undefined;
    try {
      return { value: JSON.parse(text) };
    } catch (cause) {
      throw new EngineProtocolError(`malformed JSON in line ${this.#lineNumber} from ${this.#source()}: ${preview(text)}`, {
        endpoint: this.#endpoint,
        cause,
        retryable: true,
      });
    }
  }

  #source(): string {
    return this.#endpoint || "the engine";
  }
}

/**
 * Decodes a byte stream of newline-separated JSON values, yielding each
 * parsed value as soon as its line is complete.
 *
 * A final line without a newline is decoded too (it fails as malformed JSON
 * when the stream was cut in the middle of a value). Malformed JSON, invalid
 * UTF-8 and over-long lines throw an {@linkcode EngineProtocolError}; errors
 * reading the body propagate unchanged. Ending the iteration early (or any
 * error) cancels the body.
 */
export async function* decodeJsonLines(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: DecodeJsonLinesOptions = {},
): AsyncGenerator<unknown> {
  const decoder = new JsonLineDecoder(options);
  const chunks = chunksOf(body);
  try {
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      yield* decoder.push(next.value);
    }
    yield* decoder.finish();
  } finally {
    await chunks.return(undefined);
  }
}

/** Iterates the chunks of a body; `return()` cancels a web stream that is not yet done. */
function chunksOf(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncIterator<Uint8Array, undefined> & { return(value: undefined): Promise<IteratorResult<Uint8Array, undefined>> } {
  if (Symbol.asyncIterator in body && !isReadableStream(body)) {
    const iterator = body[Symbol.asyncIterator]();
    let finished = false;
    return {
      async next(): Promise<IteratorResult<Uint8Array, undefined>> {
        const result = await iterator.next();
        if (result.done) {
          finished = true;
          return { done: true, value: undefined };
        }
        return result;
      },
      async return(): Promise<IteratorResult<Uint8Array, undefined>> {
        if (!finished) {
          finished = true;
          await iterator.return?.();
        }
        return { done: true, value: undefined };
      },
    };
  }
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  let finished = false;
  return {
    async next(): Promise<IteratorResult<Uint8Array, undefined>> {
      try {
        const result = await reader.read();
        if (result.done) {
          finished = true;
          reader.releaseLock();
          return { done: true, value: undefined };
        }
        return { done: false, value: result.value };
      } catch (error) {
        finished = true;
        throw error;
      }
    },
    async return(): Promise<IteratorResult<Uint8Array, undefined>> {
      if (!finished) {
        finished = true;
        // A failing cancel (e.g. the connection is already gone) changes nothing for the caller.
        await reader.cancel().catch(() => {});
      }
      return { done: true, value: undefined };
    },
  };
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream).getReader === "function";
}


function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
