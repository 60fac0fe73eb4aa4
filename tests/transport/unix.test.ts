/**
 * The transport against a real HTTP/1.1 server on a unix socket.
 */
import assert from "node:assert/strict";
import { linkSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TransportError } from "../../lib/transport/http.ts";
import { createHttpTransport, type HttpTransport } from "../../lib/transport/http.ts";
import { undiciAgentOptions } from "../../lib/transport/node.ts";
import { QUIET_MS, readText } from "./support.ts";
import { httpServer, makeTempDir, type TempDir, type TestServer } from "../support/unix-server.ts";

/** A body that broke off: a retryable `broken` failure of phase `body`. */
function isBrokenBody(e: unknown): boolean {
  return e instanceof TransportError && e.failure === "broken" && e.phase === "body" && e.retryable &&
    /broke off/.test(e.message);
}

describe("unix socket transport", () => {
  let dir: TempDir;
  let server: TestServer;
  let transport: HttpTransport;
  const seen: { method: string; url: string; raw: string; headers: Record<string, unknown> }[] = [];
  const streams = new Set<ServerResponse>();
  let streamClosed: () => void = () => {};

  before(async () => {
    dir = makeTempDir();
    server = await httpServer(join(dir.path, "engine.sock"), (req, res) => {
      // Deno's unix-socket client sends the absolute form (GET http://localhost/_ping), as to a proxy.
      const target = new URL(req.url!, "http://localhost");
      const url = target.pathname + target.search;
      seen.push({ method: req.method!, url, raw: req.url!, headers: req.headers });
      if (url === "/_ping") {
        res.writeHead(200, { "Api-Version": "1.47", "Content-Type": "text/plain" });
        res.end("OK");
      } else if (url === "/chunked") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write('{"a":');
        setTimeout(() => res.write("1}\n"), 50);
        setTimeout(() => res.end('{"b":2}\n'), 100);
      } else if (url === "/quiet") {
        // Like /events: headers at once, then silence longer than any idle timeout we can beat.
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write("first\n");
        setTimeout(() => res.end("second\n"), QUIET_MS);
      } else if (url === "/late-headers") {
        // Like podman's /events (podman#23712): no headers until the first event.
        setTimeout(() => {
          res.writeHead(200);
          res.end("event\n");
        }, QUIET_MS);
      } else if (url === "/endless") {
        res.writeHead(200);
        res.write("tick\n");
        streams.add(res);
        res.on("close", () => {
          streams.delete(res);
          streamClosed();
        });
      } else if (url === "/truncated") {
        res.writeHead(200, { "Content-Length": "100" });
        res.write("only a part");
        setTimeout(() => res.destroy(), 20);
      } else if (url === "/status/404") {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end('{"message":"No such container: x"}');
      } else if (url === "/status/204") {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(`path=${url}`);
      }
    });
    transport = await createHttpTransport({ kind: "unix", path: server.address as string });
  });

  after(async () => {
    await transport.close();
    await server.close();
    dir.remove();
  });

  it("GETs status, headers and body", async () => {
    const response = await transport.request("/_ping", { headers: { "X-Probe": "yes" } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("api-version"), "1.47");
    assert.equal(await response.text(), "OK");
    const request = seen.find((r) => r.url === "/_ping")!;
    assert.equal(request.method, "GET");
    assert.ok(["/_ping", "http://localhost/_ping"].includes(request.raw), request.raw);
    assert.equal(request.headers["x-probe"], "yes");
  });

  it("passes the query through unchanged", async () => {
    const query = '/containers/json?filters=%7B%22type%22%3A%5B%22container%22%5D%7D&all=0';
    const response = await transport.request(query);
    assert.equal(await response.text(), `path=${query}`);
  });

  it("HEAD gets headers and no body", async () => {
    const response = await transport.request("/_ping", { method: "HEAD" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("api-version"), "1.47");
    assert.equal(response.body, null);
    assert.equal(seen.at(-1)!.method, "HEAD");
  });

  it("returns error statuses as responses, with their body", async () => {
    const response = await transport.request("/status/404");
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { message: "No such container: x" });
    const empty = await transport.request("/status/204");
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), "");
  });

  it("delivers a chunked body piece by piece", async () => {
    const response = await transport.request("/chunked");
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), '{"a":');
    let rest = "";
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += new TextDecoder().decode(part.value);
    assert.equal(rest, '1}\n{"b":2}\n');
  });

  it("does not cut a stream that stays quiet", { timeout: QUIET_MS + 30_000 }, async () => {
    const response = await transport.request("/quiet");
    assert.equal(await readText(response.body), "first\nsecond\n");
  });

  it("waits for late response headers when no header timeout is asked for", { timeout: QUIET_MS + 30_000 }, async () => {
    const response = await transport.request("/late-headers");
    assert.equal(await readText(response.body), "event\n");
  });

  it("configures undici with neither a body nor a headers timeout", () => {
    const options = undiciAgentOptions({ kind: "unix", path: "/s" }, { connectTimeoutMs: 1234 });
    assert.equal(options.bodyTimeout, 0);
    assert.equal(options.headersTimeout, 0);
    assert.deepEqual(options.connect, { socketPath: "/s", timeout: 1234 });
  });

  it("ends the body when the signal aborts mid-stream, and the server sees the close", async () => {
    const controller = new AbortController();
    const serverSawClose = new Promise<void>((resolve) => (streamClosed = resolve));
    const response = await transport.request("/endless", { signal: controller.signal });
    const reader = response.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "tick\n");
    const pending = reader.read();
    const reason = new Error("stop watching");
    controller.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    await serverSawClose;
    assert.equal(streams.size, 0);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const before = server.connections;
    await assert.rejects(transport.request("/_ping", { signal: AbortSignal.abort() }), { name: "AbortError" });
    assert.equal(server.connections, before);
  });

  it("turns a truncated body into a retryable broken-connection failure", async () => {
    const response = await transport.request("/truncated");
    await assert.rejects(readText(response.body), isBrokenBody);
  });

  for (const method of ["POST", "DELETE", "PUT", "PATCH", "post"]) {
    it(`refuses ${method} before any I/O`, async () => {
      const before = server.connections;
      const count = seen.length;
      await assert.rejects(
        transport.request("/containers/x/kill", { method: method as "GET" }),
        (e) => e instanceof TypeError && /read-only/.test(e.message),
      );
      assert.equal(server.connections, before);
      assert.equal(seen.length, count);
    });
  }

  it("refuses a path without a leading slash", async () => {
    await assert.rejects(transport.request("_ping"), TypeError);
    await assert.rejects(transport.get("_ping"), TypeError);
  });

  describe("get (body read whole)", () => {
    it("GETs status, headers and the whole body, sending the caller's headers", async () => {
      const count = seen.length;
      const reply = await transport.get("/_ping", { headers: { "X-Probe": "get" } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get("api-version"), "1.47");
      assert.equal(new TextDecoder().decode(reply.body), "OK");
      assert.equal(seen.length, count + 1);
      assert.equal(seen[count]!.method, "GET");
      assert.equal(seen[count]!.headers["x-probe"], "get");
    });

    it("keeps the query and reassembles a chunked body", async () => {
      const query = "/containers/json?filters=%7B%22status%22%3A%5B%22running%22%5D%7D";
      assert.equal(new TextDecoder().decode((await transport.get(query)).body), `path=${query}`);
      assert.equal(new TextDecoder().decode((await transport.get("/chunked")).body), '{"a":1}\n{"b":2}\n');
    });

    it("hands out error statuses with their bodies, and empty bodies", async () => {
      const missing = await transport.get("/status/404");
      assert.equal(missing.status, 404);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(missing.body)), { message: "No such container: x" });
      const empty = await transport.get("/status/204");
      assert.equal(empty.status, 204);
      assert.equal(empty.body.length, 0);
    });

    it("turns a truncated body into a retryable broken-connection failure", async () => {
      await assert.rejects(transport.get("/truncated"), isBrokenBody);
    });

    it("rejects with the signal's reason when aborted while the body is pending", async () => {
      const controller = new AbortController();
      const reason = new Error("caller gave up");
      const pending = transport.get("/endless", { signal: controller.signal });
      const closed = new Promise<void>((resolve) => (streamClosed = resolve));
      setTimeout(() => controller.abort(reason), 50);
      await assert.rejects(pending, (e) => e === reason);
      await closed;
    });

    it("fails with a timeout failure when no headers arrive within headersTimeoutMs", async () => {
      await assert.rejects(
        transport.get("/late-headers", { headersTimeoutMs: 100 }),
        (e) => e instanceof TransportError && e.failure === "timeout" && /within 100 ms/.test(e.message),
      );
    });
  });
});

describe("unix socket transport without an engine", () => {
  const isUnavailable = (e: unknown): boolean => e instanceof TransportError && e.failure === "unavailable";
  let dir: TempDir;
  before(() => {
    dir = makeTempDir();
  });
  after(() => dir.remove());

  it("reports a missing socket as a retryable unavailable failure, promptly", async () => {
    const path = join(dir.path, "missing.sock");
    await using transport = await createHttpTransport({ kind: "unix", path });
    // A generous bound: a hang would take forever, a prompt failure takes milliseconds.
    const deadline = AbortSignal.timeout(1000);
    await assert.rejects(transport.request("/_ping", { signal: deadline }), (e) => {
      assert.ok(e instanceof TransportError, `got ${e}`);
      assert.equal(e.failure, "unavailable");
      assert.equal(e.retryable, true);
      assert.match(e.message, new RegExp(`^nothing listens at unix://${path.replaceAll(".", "\\.")} `));
      assert.equal(e.endpoint, `unix://${path}`);
      return true;
    });
  });

  it("reports a stale socket file (nobody listening) as an unavailable failure", async () => {
    // Hard-link a live socket, then stop the server: the link stays, the listener is gone.
    const live = join(dir.path, "live.sock");
    const stale = join(dir.path, "stale.sock");
    const server = await httpServer(live, (_req, res) => res.end());
    linkSync(live, stale);
    await server.close();
    await using transport = await createHttpTransport({ kind: "unix", path: stale });
    await assert.rejects(transport.request("/_ping", { signal: AbortSignal.timeout(1000) }), isUnavailable);
  });

  it("reports a regular file in place of the socket as an unavailable failure", async () => {
    const path = join(dir.path, "not-a-socket");
    writeFileSync(path, "");
    await using transport = await createHttpTransport({ kind: "unix", path });
    await assert.rejects(transport.request("/_ping", { signal: AbortSignal.timeout(1000) }), isUnavailable);
  });

  it("refuses requests after close", async () => {
    const transport = await createHttpTransport({ kind: "unix", path: join(dir.path, "x.sock") });
    await transport.close();
    await transport.close();
    await assert.rejects(transport.request("/_ping"), { name: "AbortError" });
    await assert.rejects(transport.get("/_ping"), { name: "AbortError" });
  });

  it("reports a missing socket as an unavailable failure from get as well", async () => {
    await using transport = await createHttpTransport({ kind: "unix", path: join(dir.path, "missing.sock") });
    await assert.rejects(transport.get("/_ping", { signal: AbortSignal.timeout(1000) }), isUnavailable);
  });
});

describe("closing a transport", () => {
  it("aborts open streams with an AbortError", async () => {
    const dir = makeTempDir();
    const server = await httpServer(join(dir.path, "s.sock"), (_req, res) => {
      res.writeHead(200);
      res.write("open\n");
    });
    try {
      const transport = await createHttpTransport({ kind: "unix", path: server.address as string });
      const response = await transport.request("/events");
      const reader = response.body!.getReader();
      await reader.read();
      const pending = assert.rejects(reader.read(), { name: "AbortError" });
      const whole = assert.rejects(transport.get("/events"), { name: "AbortError" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await transport.close();
      await pending;
      await whole;
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
