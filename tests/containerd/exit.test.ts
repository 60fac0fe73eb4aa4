/**
 * Leak check on Node, Deno and Bun: a child process (this very file, in child
 * mode) uses containerd clients — against missing and wrong-protocol sockets
 * and, when available, a real containerd with subscriptions — closes them, and
 * must then exit on its own. A leftover HTTP/2 session, socket or timer would
 * keep it alive. (Deno's sanitizers do not cover node:test tests.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runChild, runtimeCommand } from "../support/child.ts";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { EngineError } from "../../lib/errors.ts";
import { containerdEngine } from "../support/engines.ts";
import { http1Peer, silentPeer } from "../support/peers.ts";

const CHILD_ENV = "WW_CONTAINERD_EXIT_CHILD";
const DONE = "containerd-exit-child: done";

async function childScenario(): Promise<void> {
  // 1. Missing socket, HTTP/1.1 peer, silent peer (handshake timeout); closed.
  for (const peer of [undefined, await http1Peer(), await silentPeer()]) {
    const client = new ContainerdClient({ socket: peer?.socket ?? "/nonexistent/containerd.sock", handshakeTimeoutMs: 300 });
    // Each must fail (typed, not hang): a child that got an answer here has tested nothing.
    await assert.rejects(client.version(), EngineError);
    const controller = new AbortController();
    const stream = client.lifecycleEvents({ signal: controller.signal });
    await assert.rejects(stream.subscribed, EngineError);
    await client.close();
    await peer?.close();
  }
  // The parent sets "real" only when tests/support/engines.ts found a containerd (else that test skips, loudly).
  const socket = process.env[CHILD_ENV] === "real" ? containerdEngine().endpoint : undefined;
  if (socket !== undefined) {
    // 2. A real containerd: calls, an aborted subscription, one never iterated, then close.
    const client = new ContainerdClient({ socket });
    await client.id();
    await client.list();
    const aborted = new AbortController();
    const stream = client.lifecycleEvents({ signal: aborted.signal });
    await stream.subscribed;
    setTimeout(() => aborted.abort(), 50);
    for await (const _ of stream) { /* none expected */ }
    const pending = client.lifecycleEvents({ signal: new AbortController().signal });
    await pending.subscribed;
    await client.close();
    // 3. Used, then left idle without close: an idle connection must not hold the process.
    const idle = new ContainerdClient({ socket });
    await idle.version();
  }
  console.log(DONE);
}


if (process.env[CHILD_ENV]) {
  await childScenario();
} else {
  const engine = containerdEngine();
  describe("containerd client: no leaks", () => {
    for (const [half, skip] of [["errors", undefined], ["real", engine.skip]] as const) {
      it(`a process that used and closed clients exits on its own (${half === "real" ? "and a real containerd" : "error cases only"})`, { skip, timeout: 60_000 }, async () => {
        // The timeout only guards against a hang failing the suite forever; nothing is timed.
        const result = await runChild(runtimeCommand(fileURLToPath(import.meta.url)), { env: { [CHILD_ENV]: half }, timeoutMs: 20_000 });
        assert.equal(result.timedOut, false, `the child did not exit on its own within 20 s\n${result.stderr}`);
        assert.equal(result.signal, null, `the child did not exit on its own (killed by ${result.signal})\n${result.stderr}`);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(DONE));
      });
    }
  });
}
