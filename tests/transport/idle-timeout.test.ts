/**
 * Bun's fetch has a per-request idle timer (default five minutes, set by
 * BUN_CONFIG_HTTP_IDLE_TIMEOUT at start-up, checked on a coarse tick of about
 * 8 s). A child Bun with that timer shortened to 1 s must still read a stream
 * that stays quiet for longer than the tick: the adapter's `timeout: false`
 * is what keeps it alive (without it the child fails with TimeoutError after
 * about 8 s). Node's and Deno's equivalents are covered in unix.test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runtime } from "../../lib/runtime.ts";
import { here } from "./support.ts";
import { httpServer, makeTempDir, type TempDir, type TestServer } from "../support/unix-server.ts";
import { runChild, runtimeCommand } from "../support/child.ts";

const BUN_QUIET_MS = 11_000;
const bunOnly = runtime === "bun" ? undefined : "SKIPPED: BUN_CONFIG_HTTP_IDLE_TIMEOUT exists only on Bun";

describe("no idle timeout on quiet streams", () => {
  let dir: TempDir;
  let server: TestServer;
  before(async () => {
    dir = makeTempDir();
    server = await httpServer(join(dir.path, "engine.sock"), (req, res) => {
      if (req.url!.endsWith("/quiet")) {
        res.writeHead(200);
        res.write("first\n");
        setTimeout(() => res.end("second\n"), BUN_QUIET_MS);
      } else {
        res.end("OK");
      }
    });
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  it("a Bun child with a 1 s idle timeout reads an 11 s quiet stream", { skip: bunOnly, timeout: 60_000 }, async () => {
    const result = await runChild([...runtimeCommand(here("child-request.ts")), server.address as string, "ping-and-quiet"], {
      timeoutMs: BUN_QUIET_MS + 20_000,
      env: { BUN_CONFIG_HTTP_IDLE_TIMEOUT: "1" },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), ["ok OK", 'quiet "first\\nsecond\\n"', "closed"]);
  });
});
