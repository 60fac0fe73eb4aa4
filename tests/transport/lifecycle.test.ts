/**
 * close() leaves no open handle: a child process of the same runtime opens a
 * transport, requests, leaves a stream open, closes, and must then exit on
 * its own. (A leaked keep-alive socket, agent or HTTP client would keep it
 * running until the kill deadline.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { here } from "./support.ts";
import { httpServer, makeTempDir, type TempDir, type TestServer } from "../support/unix-server.ts";
import { runChild, runtimeCommand } from "../support/child.ts";

const EXIT_DEADLINE_MS = 20_000; // generous: runtime start-up (and tsx's transform) on a busy 2-core machine

describe("closing leaves no open handles", () => {
  let dir: TempDir;
  let server: TestServer;

  before(async () => {
    dir = makeTempDir();
    server = await httpServer(join(dir.path, "engine.sock"), (req, res) => {
      if (req.url!.endsWith("/endless")) {
        res.writeHead(200);
        res.write("tick\n");
      } else {
        res.end("OK");
      }
    });
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  it("a child that requested, left a stream open and closed exits by itself", { timeout: 60_000 }, async () => {
    const result = await runChild([...runtimeCommand(here("child-request.ts")), server.address as string, "ping-and-stream"], {
      timeoutMs: EXIT_DEADLINE_MS,
    });
    assert.equal(result.timedOut, false, `child did not exit on its own; stderr: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), ["ok OK", "stream tick", "stream ended", "closed"]);
  });

  it("a child whose request failed exits by itself", { timeout: 60_000 }, async () => {
    const missing = join(dir.path, "missing.sock");
    const result = await runChild([...runtimeCommand(here("child-request.ts")), missing], { timeoutMs: EXIT_DEADLINE_MS });
    assert.equal(result.timedOut, false, `child did not exit on its own; stderr: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^error TransportError unavailable nothing listens at unix:\/\/.*missing\.sock/m);
    assert.match(result.stdout, /closed\n$/);
  });
});
