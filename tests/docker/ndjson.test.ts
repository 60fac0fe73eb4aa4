import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { decodeJsonLines, JsonLineDecoder } from "../../engines/docker/ndjson.ts";
import { EngineProtocolError } from "../../lib/errors.ts";

const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url)));
const recordedStreams = {
  docker: fixture("docker/events.ndjson"),
  podman: fixture("podman/events.ndjson"),
};

/** The oracle: what a plain line split of the whole text gives. */
function expectedValues(bytes: Uint8Array): unknown[] {
  return new TextDecoder().decode(bytes).split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** A web stream that delivers `bytes` cut at the given offsets. */
function streamOf(bytes: Uint8Array, cuts: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller): void {
      if (i + 1 >= bounds.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(bounds[i], bounds[i + 1]));
      i++;
    },
    cancel(): void {
      onCancel?.();
    },
  });
}

/** The same as a plain async iterable. */
async function* piecesOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  for (let i = 0; i + 1 < bounds.length; i++) yield bytes.slice(bounds[i], bounds[i + 1]);
}

async function decodeAll(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const value of decodeJsonLines(body, { endpoint: "unix:///test.sock" })) values.push(value);
  return values;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("decodeJsonLines on recorded event streams", () => {
  for (const [engine, bytes] of Object.entries(recordedStreams)) {
    const expected = expectedValues(bytes);

    it(`${engine}: the recording holds many events`, () => {
      assert.ok(expected.length >= 25, `only ${expected.length} events recorded`);
    });

    it(`${engine}: split into two chunks at every byte offset`, () => {
      // The synchronous core and a text comparison: awaiting and deepEqual over thousands
      // of runs would dominate the run time; the async wrapper is covered by the tests below.
      const expectedText = JSON.stringify(expected);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const decoder = new JsonLineDecoder();
        const values = [...decoder.push(bytes.slice(0, cut)), ...decoder.push(bytes.slice(cut)), ...decoder.finish()];
        const actualText = JSON.stringify(values);
        if (actualText !== expectedText) assert.deepEqual(values, expected, `cut at ${cut}`);
      }
    });

    it(`${engine}: one byte per chunk`, async () => {
      const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      assert.deepEqual(await decodeAll(streamOf(bytes, cuts)), expected);
    });

    it(`${engine}: random chunkings, also as a plain async iterable`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 60 }), async (cuts) => {
          assert.deepEqual(await decodeAll(streamOf(bytes, cuts)), expected);
          assert.deepEqual(await decodeAll(piecesOf(bytes, cuts)), expected);
        }),
        { numRuns: 150 },
      );
    });

    it(`${engine}: the same stream as CRLF lines, JSON text sequence and with blank lines`, async () => {
      const text = new TextDecoder().decode(bytes);
      const variants = [
        text.replaceAll("\n", "\r\n"),
        text.split("\n").filter(Boolean).map((line) => `\x1e${line}\n`).join(""),
        `\n\r\n${text.replaceAll("\n", "\n\n  \n")}`,
      ];
      for (const variant of variants) {
        const variantBytes = utf8(variant);
        await fc.assert(
          fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: variantBytes.length - 1 }), { maxLength: 40 }), async (cuts) => {
            assert.deepEqual(await decodeAll(streamOf(variantBytes, cuts)), expected);
          }),
          { numRuns: 50 },
        );
      }
    });
  }
});

describe("decodeJsonLines edge cases", () => {
  it("decodes multi-byte characters split at every byte", async () => {
    const bytes = utf8('{"label":"ünïcødé ☃ 🐳"}\n{"b":"日本"}\n');
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(await decodeAll(streamOf(bytes, [cut])), [{ label: "ünïcødé ☃ 🐳" }, { b: "日本" }]);
    }
  });

  it("decodes a complete last line without a newline", async () => {
    assert.deepEqual(await decodeAll(streamOf(utf8('{"a":1}\n{"a":2}'), [3])), [{ a: 1 }, { a: 2 }]);
  });

  it("yields nothing for an empty or blank stream", async () => {
    assert.deepEqual(await decodeAll(streamOf(new Uint8Array(0), [])), []);
    assert.deepEqual(await decodeAll(streamOf(utf8("\n\r\n \n\x1e\n"), [1, 2])), []);
  });

  it("yields the good values, then fails with a protocol error naming the endpoint on malformed JSON", async () => {
    const values: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const value of decodeJsonLines(streamOf(utf8('{"a":1}\n{"a":\n{"a":3}\n'), []), { endpoint: "unix:///x.sock" })) {
          values.push(value);
        }
      })(),
      (error: unknown) => {
        assert.ok(error instanceof EngineProtocolError);
        assert.equal(error.endpoint, "unix:///x.sock");
        assert.match(error.message, /malformed JSON in line 2 from unix:\/\/\/x\.sock/);
        return true;
      },
    );
    assert.deepEqual(values, [{ a: 1 }]);
  });

  it("fails with a protocol error on a stream cut in the middle of a value", async () => {
    const bytes = recordedStreams.docker;
    const cut = bytes.subarray(0, bytes.length - 40);
    await assert.rejects(decodeAll(streamOf(cut, [100])), EngineProtocolError);
  });

  it("fails with a protocol error on a non-JSON peer (an HTML error page)", async () => {
    await assert.rejects(decodeAll(streamOf(utf8("<html><body>502 Bad Gateway</body></html>\n"), [])), EngineProtocolError);
  });

  it("fails with a protocol error on invalid UTF-8", async () => {
    const bytes = new Uint8Array([...utf8('{"a":"'), 0xff, 0xfe, ...utf8('"}\n')]);
    await assert.rejects(decodeAll(streamOf(bytes, [])), EngineProtocolError);
  });

  it("bounds the line length, also when no newline ever arrives", async () => {
    const long = utf8(`{"a":"${"x".repeat(2000)}"}\n`);
    await assert.rejects(
      (async () => {
        for await (const _ of decodeJsonLines(streamOf(long, [10, 500]), { maxLineBytes: 1024 })) { /* drain */ }
      })(),
      /exceeds 1024 bytes/,
    );
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller): void {
        pulls++;
        controller.enqueue(new Uint8Array(256).fill(0x20));
      },
    });
    await assert.rejects(
      (async () => {
        for await (const _ of decodeJsonLines(endless, { maxLineBytes: 4096 })) { /* drain */ }
      })(),
      EngineProtocolError,
    );
    assert.ok(pulls <= 20, `read ${pulls} chunks before giving up`);
  });

  it("accepts a line of exactly the maximum length", async () => {
    const line = `{"a":"${"x".repeat(100)}"}`;
    assert.deepEqual(
      await (async () => {
        const out: unknown[] = [];
        for await (const v of decodeJsonLines(streamOf(utf8(`${line}\n`), [7]), { maxLineBytes: line.length })) out.push(v);
        return out;
      })(),
      [{ a: "x".repeat(100) }],
    );
  });

  it("cancels the web stream when the consumer stops early", async () => {
    let cancelled = 0;
    const body = streamOf(recordedStreams.docker, [5000, 9000], () => cancelled++);
    for await (const _ of decodeJsonLines(body)) break;
    assert.equal(cancelled, 1);
  });

  it("cancels the web stream on a decoding error", async () => {
    let cancelled = 0;
    await assert.rejects(decodeAll(streamOf(utf8("{oops}\n{}\n"), [7], () => cancelled++)), EngineProtocolError);
    assert.equal(cancelled, 1);
  });

  it("returns a plain async iterable when the consumer stops early", async () => {
    let finished = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield utf8('{"a":1}\n');
      } finally {
        finished = true;
      }
    }
    for await (const _ of decodeJsonLines(body())) break;
    assert.equal(finished, true);
  });

  it("passes errors reading the body through unchanged", async () => {
    const failure = new Error("connection reset");
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller): void {
        if (!sent) {
          sent = true;
          controller.enqueue(utf8('{"a":1}\n{"a"'));
        } else {
          controller.error(failure);
        }
      },
    });
    const values: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const value of decodeJsonLines(body)) values.push(value);
      })(),
      (error: unknown) => error === failure,
    );
    assert.deepEqual(values, [{ a: 1 }]);
  });
});
