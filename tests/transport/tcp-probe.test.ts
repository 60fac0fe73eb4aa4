/**
 * The connect gate Deno and Bun use for TCP endpoints (their fetch has no
 * connect timeout): it probes until a request got through, and again after
 * a failure. (The timeout itself is not tested: nothing on loopback leaves a
 * connect hanging, and this sandbox accepts connections to unroutable
 * addresses.)
 */
import assert from "node:assert/strict";
import { connect, createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { TcpReachability } from "../../lib/transport/tcp-probe.ts";
import { sleep } from "./support.ts";
import { httpServer, listen, type TestServer } from "../support/unix-server.ts";

/** A TCP server that records the client port of every connection it accepts. */
class CountingServer {
  readonly ports: number[] = [];
  readonly #server: Server = createServer((socket) => {
    this.ports.push(socket.remotePort!);
    socket.on("error", () => {}).end();
  });
  port = 0;
  #listening: TestServer | undefined;

  async start(): Promise<void> {
    this.#listening = await listen(this.#server, 0);
    this.port = this.#listening.address as number;
  }

  /**
   * Connections accepted so far, counted only once a sentinel connection made
   * now has been seen too (accepting is asynchronous on some runtimes).
   */
  async settledCount(): Promise<number> {
    const sentinel = connect({ host: "127.0.0.1", port: this.port });
    sentinel.on("error", () => {});
    await new Promise((resolve) => sentinel.once("connect", resolve));
    const port = sentinel.localPort!;
    while (!this.ports.includes(port)) await sleep(5);
    sentinel.destroy();
    const index = this.ports.indexOf(port);
    this.ports.splice(index, 1);
    return index;
  }

  close(): Promise<void> {
    return this.#listening?.close() ?? Promise.resolve();
  }
}

describe("TcpReachability", () => {
  const server = new CountingServer();
  before(() => server.start());
  after(() => server.close());

  it("probes before the first request, not after a success, and again after a failure", async () => {
    const gate = new TcpReachability("127.0.0.1", server.port, 2000);
    const signal = new AbortController().signal;
    const failed = new Error("request failed");
    /** How many probes one guarded request made; the guard passes the request's own outcome through. */
    const probes = async (request: () => Promise<string>): Promise<number> => {
      const before = await server.settledCount();
      const expected = await request().then((value) => ({ value }), (error: unknown) => ({ error }));
      const outcome = await gate.guard(signal, request).then((value) => ({ value }), (error: unknown) => ({ error }));
      assert.deepEqual(outcome, expected);
      return (await server.settledCount()) - before;
    };
    assert.equal(await probes(() => Promise.resolve("first")), 1);
    assert.equal(await probes(() => Promise.resolve("second")), 0);
    assert.equal(await probes(() => Promise.reject(failed)), 0);
    assert.equal(await probes(() => Promise.resolve("after the failure")), 1);
  });

  it("rejects with the connect error and does not run the request", async () => {
    const closed = await httpServer(0, () => {});
    const port = closed.address as number;
    await closed.close();
    const gate = new TcpReachability("127.0.0.1", port, 2000);
    let ran = false;
    await assert.rejects(
      gate.guard(new AbortController().signal, () => Promise.resolve((ran = true))),
      { code: "ECONNREFUSED" },
    );
    assert.equal(ran, false);
  });

  it("rejects at once with the reason of an aborted signal", async () => {
    const gate = new TcpReachability("127.0.0.1", server.port, 2000);
    const before = await server.settledCount();
    const reason = new Error("cancelled");
    await assert.rejects(gate.guard(AbortSignal.abort(reason), () => Promise.resolve()), (e) => e === reason);
    assert.equal(await server.settledCount(), before);
  });
});
