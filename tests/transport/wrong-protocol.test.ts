/**
 * Peers that do not speak HTTP/1.1 give a `protocol` failure (does not heal),
 * peers that accept and close a `broken` one (heals: a restarting engine or a
 * cutting proxy does that), silent ones a `timeout`; never a hang.
 * Every request carries a generous abort deadline so that a regression shows
 * up as a failed assertion (an AbortError instead of the typed error), not as
 * a stuck test run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createHttpTransport, type TransportFailure, TransportError } from "../../lib/transport/http.ts";
import { makeTempDir, rawServer, type TempDir, type TestServer } from "../support/unix-server.ts";

// What a gRPC (HTTP/2-only) server such as containerd sends first: a SETTINGS frame.
const HTTP2_SETTINGS = Uint8Array.from([
  0x00, 0x00, 0x12, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x03, 0x00, 0x00, 0x00, 0x64, 0x00, 0x04, 0x00, 0x10, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x40, 0x00,
]);
// A GOAWAY frame (PROTOCOL_ERROR), what an HTTP/2 server answers to a bad preface.
const HTTP2_GOAWAY = Uint8Array.from([
  0x00, 0x00, 0x08, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
]);
const GARBAGE = Uint8Array.from([0, 1, 2, 3, 255, 254, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 13, 10, 13, 10]);

describe("peers that do not speak HTTP/1.1", () => {
  let dir: TempDir;
  const servers: TestServer[] = [];

  before(() => {
    dir = makeTempDir();
  });
  after(async () => {
    for (const server of servers) await server.close();
    dir.remove();
  });

  async function expectFailure(
    failure: TransportFailure,
    name: string,
    onSocket: Parameters<typeof rawServer>[1],
    init: { headersTimeoutMs?: number } = {},
  ): Promise<TransportError> {
    const server = await rawServer(join(dir.path, `${name}.sock`), onSocket);
    servers.push(server);
    await using transport = await createHttpTransport({ kind: "unix", path: server.address as string });
    let caught: unknown;
    try {
      const response = await transport.request("/_ping", { ...init, signal: AbortSignal.timeout(10_000) });
      await response.body?.cancel();
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof TransportError, `expected a TransportError, got ${caught}`);
    assert.equal(caught.failure, failure, caught.message);
    assert.equal(caught.retryable, failure !== "protocol");
    assert.equal(caught.endpoint, `unix://${server.address}`);
    return caught;
  }

  it("binary garbage", { timeout: 30_000 }, async () => {
    await expectFailure("protocol", "garbage", (socket) => socket.end(GARBAGE));
  });

  it("an HTTP/2 server's SETTINGS frame, then close", { timeout: 30_000 }, async () => {
    await expectFailure("protocol", "h2-settings", (socket) => socket.end(HTTP2_SETTINGS));
  });

  it("an HTTP/2 server's SETTINGS frame after reading the request, connection kept open", { timeout: 30_000 }, async () => {
    await expectFailure("protocol", "h2-open", (socket) => {
      socket.once("data", () => socket.write(Uint8Array.from([...HTTP2_SETTINGS, ...HTTP2_GOAWAY])));
    });
  });

  it("an HTTP/2 server that greets unprompted and closes with the request unread, as grpc-go does", { timeout: 30_000 }, async () => {
    const error = await expectFailure("protocol", "h2-greet-reset", (socket) => {
      // grpc-go closes with the request unread in its buffer: the kernel resets the connection.
      socket.pause();
      socket.write(HTTP2_SETTINGS);
      setTimeout(() => socket.destroy(), 50);
    });
    assert.match(error.message, /another protocol/);
  });

  it(
    "an HTTP/2 server whose greeting the runtime loses to the reset (as Bun sees grpc-go): the greeting probe tells another protocol",
    { timeout: 30_000 },
    async () => {
      // Bun reports only ECONNRESET for grpc-go's greet-then-reset: the request's connection shows no
      // bytes. Here the peer says nothing on the request's connection and closes it; only a connection
      // that sends nothing (the transport's greeting probe) gets the SETTINGS frame, so only the probe
      // can tell it from a peer that merely closes (the "broken" cases below).
      let connections = 0;
      const error = await expectFailure("protocol", "h2-greeting-lost", (socket) => {
        if (++connections === 1) socket.once("data", () => socket.destroy());
        else socket.write(HTTP2_SETTINGS);
      });
      assert.ok(connections >= 2, "the transport probed for a greeting");
      assert.match(error.message, /greets with bytes that are not HTTP\/1\.1/);
    },
  );

  it("a peer that closes at once (broken, not another protocol)", { timeout: 30_000 }, async () => {
    await expectFailure("broken", "close", (socket) => socket.destroy());
  });

  it("a peer that closes after reading the request (broken, not another protocol)", { timeout: 30_000 }, async () => {
    await expectFailure("broken", "close-after-read", (socket) => socket.once("data", () => socket.end()));
  });

  it("a peer that answers in another text protocol", { timeout: 30_000 }, async () => {
    await expectFailure("protocol", "smtp", (socket) => socket.end("220 mail.example ESMTP ready\r\n"));
  });

  it("a silent peer, with a header timeout", { timeout: 30_000 }, async () => {
    const error = await expectFailure("timeout", "silent", () => {}, { headersTimeoutMs: 300 });
    assert.match(error.message, /^no answer in time from unix:\/\/.* \(no HTTP response head within 300 ms\)/);
  });
});
