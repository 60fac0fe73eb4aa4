/**
 * A watcher on a socket that can never work gives up at once: `ready`
 * rejects with the typed, non-retryable error well within a second (the
 * default backoff would retry forever). A watcher on one that heals keeps
 * retrying and then syncs. Every case runs against a real unix socket.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { DockerClient } from "../../engines/docker/mod.ts";
import type { EngineClient } from "../../lib/engine.ts";
import {
  EngineApiError,
  EngineError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../../lib/errors.ts";
import { Watcher } from "../../lib/watcher.ts";
import { FakeDocker } from "../support/fake-docker.ts";
import { until, within } from "../support/bounded.ts";
import { listen, unixSocketServer } from "../support/unix-server.ts";


interface Socket extends AsyncDisposable {
  path: string;
}

/** A server listening on a unix socket in a fresh temporary directory (tests/support/unix-server.ts). */
async function serve(server: net.Server | http.Server | http2.Http2Server): Promise<Socket> {
  // A peer hanging up on the server side must not become an unhandled socket error.
  server.on("connection", (s: net.Socket) => s.on("error", () => {}));
  const listening = await unixSocketServer(server, "engine.sock");
  return { path: listening.socket, [Symbol.asyncDispose]: () => listening.close() };
}

/** A Docker-API server that answers every request but `/_ping` with `status` and `message`. */
function dockerAnswering(status: number, message: string): http.Server {
  return http.createServer((request, response) => {
    const ok = request.url?.endsWith("/_ping");
    response.writeHead(ok ? 200 : status, { "Content-Type": "application/json", "Api-Version": "1.41" });
    response.end(ok ? "OK" : JSON.stringify({ message }));
  });
}

/** A logger that keeps the watcher's warnings (one per failed attempt and its retry). */
function retryLog(): { warnings: string[]; logger: { debug(): void; warn(message: string): void } } {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, warn: (message: string) => void warnings.push(message) } };
}

/** Whether `promise` has settled yet, asked later (its rejection counts as handled). */
function settledYet(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  return () => settled;
}

/** Watches `engine` and returns how `ready` settled and what the watcher said about retrying. */
async function readyOutcome(engine: EngineClient): Promise<{ error: unknown; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = { debug() {}, warn: (message: string) => warnings.push(message) };
  // default backoff: retries forever unless the error is not retryable
  const watcher = new Watcher(engine, { logger });
  void watcher.watch();
  try {
    await within("ready settling", watcher.ready);
    return { error: undefined, warnings };
  } catch (error) {
    return { error, warnings };
  } finally {
    await watcher.close();
  }
}

async function assertGivesUp(engine: EngineClient, type: abstract new (...args: never[]) => EngineError): Promise<EngineError> {
  const { error, warnings } = await readyOutcome(engine);
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.equal(error.retryable, false, error.message);
  // "at once": no retry was scheduled, the first failure ended the watch
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0]!, /giving up on .* after 0 retries/);
  return error;
}

describe("a Docker watcher on a socket that can never work gives up at once", () => {
  it("a socket proxy that forbids an endpoint (403)", async () => {
    await using socket = await serve(dockerAnswering(403, "Forbidden: /containers/json is not allowed"));
    const error = await assertGivesUp(new DockerClient({ host: `unix://${socket.path}`, env: {} }), EngineApiError);
    assert.equal((error as EngineApiError).status, 403);
    assert.match(error.hint, /socket proxy/);
  });

  it("an API version the engine rejects (400)", async () => {
    await using socket = await serve(
      dockerAnswering(400, "client version 1.12 is too old. Minimum supported API version is 1.24"),
    );
    const client = new DockerClient({ host: `unix://${socket.path}`, env: {}, apiVersion: "1.12" });
    const error = await assertGivesUp(client, EngineApiError);
    assert.match(error.hint, /DOCKER_API_VERSION/);
  });

  it("an HTTP/2 (gRPC) peer instead of the Docker API", async () => {
    const h2 = http2.createServer();
    h2.on("error", () => {});
    await using socket = await serve(h2);
    const error = await assertGivesUp(new DockerClient({ host: `unix://${socket.path}`, env: {} }), EngineProtocolError);
    assert.match(error.message, /does not speak HTTP\/1\.1/);
    assert.match(error.hint, /containerd/);
  });

  it("missing TLS files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-never-tls-"));
    try {
      const client = new DockerClient({ env: { DOCKER_HOST: "tcp://127.0.0.1:1", DOCKER_CERT_PATH: join(dir, "none") } });
      const error = await assertGivesUp(client, EngineError);
      // The TLS files are read in parallel: whichever is missing first is named.
      assert.match(error.message, /cannot read .*(ca|cert|key)\.pem for TLS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a malformed address fails when the client is created", () => {
    assert.throws(() => new DockerClient({ host: "ssh://me@host", env: {} }), TypeError);
    assert.throws(() => new DockerClient({ host: "unix://", env: {} }), TypeError);
  });
});

describe("a containerd watcher on a socket that can never work gives up at once", () => {
  it("an HTTP/1.1 server (a Docker API socket) instead of gRPC", async () => {
    await using socket = await serve(http.createServer((_q, r) => r.end("OK")));
    const error = await assertGivesUp(new ContainerdClient({ socket: socket.path }), EngineProtocolError);
    assert.match(error.hint, /HTTP\/1\.1/);
  });

  it("a peer speaking yet another protocol", async () => {
    await using socket = await serve(net.createServer((s) => s.end("SSH-2.0-OpenSSH_9.6\r\n")));
    await assertGivesUp(new ContainerdClient({ socket: socket.path }), EngineProtocolError);
  });
});

describe("a watcher on a socket that heals keeps retrying, then syncs", { timeout: 20_000 }, () => {
  const backoff = { initialMs: 50, maxMs: 100 };

  it("Docker: a socket that appears later, after connections that were accepted and closed", async () => {
    await using fake = new FakeDocker({ list: new TextEncoder().encode("[]"), inspect: new Map(), events: new Uint8Array() });
    // First a peer that accepts and closes (a restarting engine, a cutting proxy), then the engine.
    const cutter = await listen(net.createServer((s) => s.destroy()), fake.socket);
    const retries = retryLog();
    const watcher = new Watcher(new DockerClient({ host: fake.host, env: {} }), { backoff, logger: retries.logger });
    try {
      const ready = settledYet(watcher.ready);
      void watcher.watch();
      await until("two retries", () => retries.warnings.length >= 2 && cutter.connections >= 2, () => retries.warnings.join("; "));
      assert.equal(ready(), false, "ready waits while the engine cannot be reached");
      await cutter.close();
      await fake.listen();
      await watcher.ready;
    } finally {
      await watcher.close();
    }
  });

  it("Docker: 500 answers, then a working engine", async () => {
    let failures = 3;
    const server = http.createServer((request, response) => {
      const url = request.url ?? "";
      const headers = { "Content-Type": "application/json", "Api-Version": "1.41" };
      if (url.endsWith("/_ping")) return void response.writeHead(200, headers).end("OK");
      if (url.endsWith("/info")) return void response.writeHead(200, headers).end('{"ID":"fake-engine"}');
      if (url.includes("/containers/json") && failures-- > 0) {
        return void response.writeHead(500, headers).end('{"message":"engine hiccup"}');
      }
      if (url.includes("/containers/json")) return void response.writeHead(200, headers).end("[]");
      if (url.includes("/events")) return void response.writeHead(200, headers).flushHeaders();
      response.writeHead(404, headers).end('{"message":"page not found"}');
    });
    await using socket = await serve(server);
    const watcher = new Watcher(new DockerClient({ host: `unix://${socket.path}`, env: {} }), { backoff });
    try {
      void watcher.watch();
      await watcher.ready;
      assert.ok(failures < 0, "the 500 answers were retried");
    } finally {
      await watcher.close();
    }
  });

  it("containerd: a missing socket stays retryable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-never-missing-"));
    try {
      const retries = retryLog();
      const watcher = new Watcher(new ContainerdClient({ socket: join(dir, "containerd.sock") }), { backoff, logger: retries.logger });
      try {
        const ready = settledYet(watcher.ready);
        void watcher.watch();
        await until("two retries", () => retries.warnings.length >= 2, () => retries.warnings.join("; "));
        assert.equal(ready(), false, "ready waits while the socket is missing");
      } finally {
        await watcher.close();
      }
      await assert.rejects(watcher.ready);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a missing socket is a retryable EngineUnavailableError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-never-missing-"));
    try {
      const docker = new DockerClient({ host: `unix://${join(dir, "docker.sock")}`, env: {} });
      const error = await docker.list().catch((e: unknown) => e);
      assert.ok(error instanceof EngineUnavailableError && error.retryable, String(error));
      await docker.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
