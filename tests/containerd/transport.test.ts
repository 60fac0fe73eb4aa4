/**
 * The containerd client against sockets that are missing or speak another
 * protocol: typed errors naming the socket, never a hang (every wait is bounded: tests/support/bounded.ts).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import {
  EngineApiError,
  EnginePermissionError,
  EngineProtocolError,
  EngineUnavailableError,
} from "../../lib/errors.ts";
import { containerdError } from "../../engines/containerd/errors.ts";
import { until, within } from "../support/bounded.ts";
import { hangUpPeer, http1Peer, http1PeerAnswerLost, silentPeer } from "../support/peers.ts";

/** Short enough to keep the suite fast, long enough for a slow CI machine to connect. */
const HANDSHAKE_TIMEOUT_MS = 1_000;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

describe("containerd client transport errors", () => {
  it("a missing socket gives EngineUnavailableError naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-ctd-missing-"));
    const socket = join(dir, "containerd.sock");
    try {
      await using client = new ContainerdClient({ socket });
      for (const call of [() => client.version(), () => client.list(), () => client.id()]) {
        const error = await rejection(call());
        assert.ok(error instanceof EngineUnavailableError, String(error));
        assert.equal(error.endpoint, socket);
        assert.match(error.message, new RegExp(`no containerd at ${socket}`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a directory, a regular file or an over-long path in place of the socket gives EngineUnavailableError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-ctd-dir-"));
    const file = join(dir, "file");
    writeFileSync(file, "not a socket");
    try {
      for (const socket of [dir, file, join(file, "below-a-file.sock"), join(dir, `${"x".repeat(120)}.sock`)]) {
        await using client = new ContainerdClient({ socket });
        const error = await rejection(client.version());
        assert.ok(error instanceof EngineUnavailableError, `${socket}: ${error.name}: ${error.message}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [what, makePeer, type, retryable] of [
    ["an HTTP/1.1 server (like dockerd's socket)", http1Peer, EngineProtocolError, false],
    // Accepting and closing at once is what a restarting engine or a cutting proxy does: it heals.
    ["a peer that hangs up at once", hangUpPeer, EngineUnavailableError, true],
    ["a peer that never answers", silentPeer, EngineProtocolError, true],
  ] as const) {
    it(`${what} gives ${type.name} (retryable: ${retryable}), not a hang`, async () => {
      await using peer = await makePeer();
      await using client = new ContainerdClient({ socket: peer.socket, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
      const error = await within(`the typed error of ${what}`, rejection(client.version()));
      assert.ok(error instanceof type, `${error.name}: ${error.message}`);
      assert.equal((error as EngineProtocolError).retryable, retryable);
      assert.equal((error as EngineProtocolError).endpoint, peer.socket);
    });
  }

  it("an HTTP/1.1 server whose answer the runtime lost (a broken pipe, as Deno reports it) is still told by the preface probe", async () => {
    await using peer = await http1PeerAnswerLost();
    await using client = new ContainerdClient({ socket: peer.socket, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    const error = await rejection(client.version());
    assert.ok(error instanceof EngineProtocolError, `${error.name}: ${error.message}`);
    assert.equal(error.retryable, false);
    assert.ok(peer.connections >= 2, "the client probed with a second connection");
  });

  it("a subscription on a wrong-protocol socket rejects `subscribed` and throws from iteration", async () => {
    await using peer = await http1Peer();
    await using client = new ContainerdClient({ socket: peer.socket, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    const controller = new AbortController();
    const events = client.lifecycleEvents({ signal: controller.signal });
    const error = await rejection(events.subscribed);
    assert.ok(error instanceof EngineProtocolError, `${error.name}: ${error.message}`);
    const iterationError = await rejection((async () => {
      for await (const _ of events) assert.fail("no event expected");
    })());
    assert.ok(iterationError instanceof EngineProtocolError, `${iterationError.name}: ${iterationError.message}`);
  });

  it("closing during the HTTP/2 handshake fails pending calls at once, not as the peer's fault", async () => {
    await using peer = await silentPeer();
    // a handshake timeout far beyond the wait's bound: the call must end by the close, not by the timeout
    const client = new ContainerdClient({ socket: peer.socket, handshakeTimeoutMs: 600_000 });
    const pending = rejection(client.version());
    await until("the client's connection to the silent peer", () => peer.connections > 0);
    await client.close();
    const error = await within("the pending call's rejection once the client closed", pending);
    assert.ok(!(error instanceof EngineProtocolError), `${error.name}: ${error.message}`);
  });

  it("a closed client refuses calls and ends subscriptions quietly", async () => {
    await using peer = await silentPeer();
    const client = new ContainerdClient({ socket: peer.socket, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
    const events = client.lifecycleEvents({ signal: new AbortController().signal });
    await client.close();
    for await (const _ of events) assert.fail("no event expected");
    await rejection(events.subscribed);
    await rejection(client.version());
  });
});

describe("gRPC error mapping", () => {
  const socket = "/run/containerd/containerd.sock";
  const nodeError = (code: string): Error => Object.assign(new Error(`connect ${code} ${socket}`), { code });

  it("maps EACCES and Deno's missing permission to EnginePermissionError with a Deno hint", () => {
    for (const cause of [nodeError("EACCES"), Object.assign(new Error("Requires write access"), { name: "NotCapable" })]) {
      const error = containerdError(new ConnectError("x", Code.Internal, undefined, undefined, cause), socket);
      assert.ok(error instanceof EnginePermissionError, String(error));
      assert.equal(error.retryable, false);
      assert.match(error.hint, /--allow-read=(\S+) --allow-write=\1 --allow-net=unix:\1/);
      assert.equal(error.endpoint, socket);
    }
  });

  it("maps ECONNREFUSED to a retryable EngineUnavailableError", () => {
    const error = containerdError(nodeError("ECONNREFUSED"), socket);
    assert.ok(error instanceof EngineUnavailableError);
    assert.equal(error.retryable, true);
    assert.match(error.message, /no containerd at/);
  });

  it("maps a reset connection and a Canceled stream to a lost connection", () => {
    for (const cause of [nodeError("ECONNRESET"), new ConnectError("http/2 stream closed with error code CANCEL", Code.Canceled)]) {
      const error = containerdError(cause, socket);
      assert.ok(error instanceof EngineUnavailableError, String(error));
      assert.equal(error.retryable, true);
      assert.match(error.message, /lost connection to containerd/);
    }
  });

  it("maps a response cut mid-message (Connect's own InvalidArgument) to a lost connection, the engine's InvalidArgument to a permanent error", () => {
    const cut = containerdError(new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument), socket);
    assert.ok(cut instanceof EngineUnavailableError, String(cut));
    assert.equal(cut.retryable, true);
    assert.match(cut.message, /lost connection to containerd .*broke off mid-message/);
    const sent = new ConnectError("invalid filter", Code.InvalidArgument, new Headers({ "grpc-status": "3", "grpc-message": "invalid filter" }));
    const engine = containerdError(sent, socket);
    assert.ok(engine instanceof EngineApiError, String(engine));
    assert.equal(engine.status, Code.InvalidArgument);
    assert.equal(engine.retryable, false);
  });

  it("maps engine statuses to EngineApiError with the gRPC code", () => {
    const error = containerdError(new ConnectError("namespace is required", Code.FailedPrecondition), socket);
    assert.ok(error instanceof EngineApiError);
    assert.equal(error.status, Code.FailedPrecondition);
    assert.match(error.message, /FailedPrecondition: namespace is required/);
    assert.equal(error.retryable, false);
    assert.equal(containerdError(new ConnectError("boom", Code.Internal), socket).retryable, true);
  });
});
