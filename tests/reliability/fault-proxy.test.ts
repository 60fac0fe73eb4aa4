/**
 * The fault proxy itself, against a tiny scripted server on a unix socket:
 * every fault does what it says, and nothing else.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FaultProxy } from "../support/fault-proxy.ts";
import { type UnixSocketServer, unixSocketServer } from "../support/unix-server.ts";
import { RawClient, waitUntil } from "./support.ts";

/** A server that answers each request head with `reply`, and lets the test push bytes on its connections. */
class ScriptedServer {
  path = "";
  readonly sockets: net.Socket[] = [];
  #listening: UnixSocketServer | undefined;
  readonly #server = net.createServer((socket) => {
    this.sockets.push(socket);
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      if (chunk.includes("\r\n\r\n")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
  });

  async listen(): Promise<void> {
    this.#listening = await unixSocketServer(this.#server);
    this.path = this.#listening.socket;
  }

  /** The newest server-side socket. */
  get last(): net.Socket {
    const socket = this.sockets[this.sockets.length - 1];
    assert.ok(socket, "no server connection");
    return socket;
  }

  async close(): Promise<void> {
    await this.#listening?.close();
  }
}

describe("fault proxy", () => {
  const server = new ScriptedServer();
  let proxy: FaultProxy;
  before(async () => {
    await server.listen();
    proxy = await FaultProxy.start(server.path);
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  /** Connects through the proxy and waits until the server side exists. */
  async function connect(): Promise<RawClient> {
    const before = server.sockets.length;
    const client = new RawClient(proxy.socketPath);
    await waitUntil("server connection", () => server.sockets.length > before);
    await waitUntil("proxy connection", () => proxy.connections.length > 0);
    return client;
  }

  it("passes bytes both ways and records request lines, skipping bodies", async () => {
    const client = await connect();
    const start = proxy.requests.length;
    client.write("GET /v1.41/_ping HTTP/1.1\r\nHost: x\r\n\r\n");
    client.write("POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 25\r\n\r\n");
    client.write('{"GET /fake HTTP/1.1\r\n\r\n"}'.slice(0, 25));
    client.write("HEAD /events?since=1.5 HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitUntil("three request heads", () => proxy.requests.length - start === 3);
    assert.deepEqual(
      proxy.requests.slice(start).map((r) => `${r.method} ${r.path}`),
      ["GET /v1.41/_ping", "POST /v1.41/containers/create", "HEAD /events?since=1.5"],
    );
    await waitUntil("a reply", () => client.text.endsWith("ok"));
    assert.ok(client.text.startsWith("HTTP/1.1 200 OK"));
    assert.ok(proxy.connectionWith("/events?since"));
    await client.destroy();
  });

  it("reports a non-HTTP/1 upstream as an unparseable request", async () => {
    const client = await connect();
    const start = proxy.requests.length;
    client.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    await waitUntil("the give-up record", () => proxy.requests.length > start);
    assert.equal(proxy.requests[start]?.method, "?");
    await client.destroy();
  });

  it("cuts after exactly N downstream bytes", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.cutAfter(5);
    server.last.write("0123");
    server.last.write("456789");
    await client.closed;
    assert.equal(client.text, "01234");
    assert.ok(connection.closed);
  });

  it("truncates the next chunk mid-way and closes", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    server.last.write("first\n");
    await waitUntil("first chunk", () => client.text === "first\n");
    connection.truncateNext();
    server.last.write('{"status":"start","id":"abc"}\n');
    await client.closed;
    assert.equal(client.text, 'first\n{"status":"star'); // 15 of its 30 bytes
  });

  it("injects garbage ahead of later engine bytes", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.inject(new Uint8Array([0xff, 0xfe, 0x7b]));
    await waitUntil("garbage", () => client.received.length === 3);
    server.last.write("after");
    await waitUntil("engine bytes", () => client.received.length === 8);
    assert.deepEqual([...client.received], [0xff, 0xfe, 0x7b, ...Buffer.from("after")]);
    await client.destroy();
  });

  it("stalls: holds downstream data in order until the stall ends", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.stall(60_000);
    server.last.write("abc");
    server.last.write("def");
    await waitUntil("held bytes", () => connection.queuedBytes === 6);
    assert.equal(client.received.length, 0);
    connection.resume();
    await waitUntil("released bytes", () => client.text === "abcdef");
    assert.equal(connection.queuedBytes, 0);
    await client.destroy();
  });

  it("stall(ms) ends by itself", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.stall(1_000);
    server.last.write("late");
    // Held first (a stall that did nothing would pass "late" straight on), then let go without resume().
    await waitUntil("held bytes", () => connection.queuedBytes === 4);
    assert.equal(client.received.length, 0);
    await waitUntil("bytes after the stall", () => client.text === "late");
    assert.equal(connection.queuedBytes, 0);
    await client.destroy();
  });

  it("delays chunks without reordering them", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.delay(60_000);
    server.last.write("1");
    await waitUntil("held chunk", () => connection.queuedBytes === 1);
    connection.delay(0);
    server.last.write("2");
    await waitUntil("second chunk queued behind the first", () => connection.queuedBytes === 2);
    assert.equal(client.received.length, 0);
    connection.resume();
    await waitUntil("both chunks", () => client.text === "12");
    await client.destroy();
  });

  it("cuts a held answer in its body: the head and half the held body go through, then the connection closes", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.stall(60_000);
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    server.last.write(head.slice(0, 9));
    await waitUntil("part of the head held", () => connection.queuedBytes === 9);
    assert.equal(connection.heldBodyBytes, undefined, "no complete head yet");
    server.last.write(`${head.slice(9)}0123456789`);
    await waitUntil("head and body held", () => connection.heldBodyBytes === 10);
    assert.equal(client.received.length, 0);
    const faults = proxy.faults;
    connection.cutInBody();
    await client.closed;
    assert.equal(client.text, `${head}01234`);
    assert.equal(proxy.faults, faults + 1);
    assert.equal(connection.closed, true);
  });

  it("passes the engine's end of stream after held data", async () => {
    const client = await connect();
    const connection = proxy.connections.at(-1)!;
    connection.stall(60_000);
    server.last.end("bye");
    await waitUntil("held bytes", () => connection.queuedBytes === 3);
    connection.resume();
    await client.closed;
    assert.equal(client.text, "bye");
  });

  it("refuses new connections for a while, then accepts again", async () => {
    const before = server.sockets.length;
    proxy.refuse(60_000);
    const refused = new RawClient(proxy.socketPath);
    await refused.closed;
    assert.equal(refused.received.length, 0);
    assert.equal(server.sockets.length, before, "a refused connection never reaches the engine");
    proxy.refuse(0);
    const client = await connect();
    client.write("GET /_ping HTTP/1.1\r\n\r\n");
    await waitUntil("reply", () => client.text.endsWith("ok"));
    await client.destroy();
  });

  it("cutAll ends every live connection", async () => {
    const a = await connect();
    const b = await connect();
    assert.ok(proxy.cutAll() >= 2);
    await Promise.all([a.closed, b.closed]);
    assert.equal(proxy.connections.length, 0);
  });

  it("a connection to a missing target closes at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-missing-"));
    const lonely = await FaultProxy.start(join(dir, "nothing.sock"));
    try {
      const client = new RawClient(lonely.socketPath);
      await client.closed;
      assert.equal(client.received.length, 0);
      assert.equal(lonely.connections.length, 0);
    } finally {
      await lonely.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
