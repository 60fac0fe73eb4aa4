/**
 * Permission errors for real. Root may open any socket, so the EACCES case
 * runs the client in a child process as user `nobody` (via `setpriv`) against
 * a root-owned socket with mode 0600; it skips loudly where that is
 * impossible. The Deno case runs a child Deno without the needed flags, then
 * with exactly the flags the hint names (the real NotCapable path).
 */
import assert from "node:assert/strict";
import { accessSync, chmodSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runtime } from "../../lib/runtime.ts";
import { here } from "./support.ts";
import { httpServer, makeTempDir, type TempDir, type TestServer } from "../support/unix-server.ts";
import { asNobody, nobodySkipReason, runChild, runtimeCommand } from "../support/child.ts";

// Minimal typing: the tests type-check against Node's types only.
declare const Deno: {
  execPath(): string;
  Command: new (cmd: string, options: { args: string[]; signal: AbortSignal }) => {
    output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
  };
};

/**
 * Runs a Deno child with exactly `args`. Not node:child_process: when Deno
 * spawns itself that way, the child inherits the parent's permissions.
 */
async function runDeno(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = new Deno.Command(Deno.execPath(), { args, signal: AbortSignal.timeout(DEADLINE_MS) });
  const { code, stdout, stderr } = await command.output();
  return { code, stdout: new TextDecoder().decode(stdout), stderr: new TextDecoder().decode(stderr) };
}

const DEADLINE_MS = 30_000;

function eaccesSkipReason(): string | undefined {
  const reason = nobodySkipReason();
  return reason && `${reason} (the EACCES shapes are covered by classify.test.ts)`;
}

describe("permission denied", () => {
  let dir: TempDir;
  let server: TestServer;
  let home: string;

  before(async () => {
    dir = makeTempDir();
    home = join(dir.path, "home");
    mkdirSync(home);
    chmodSync(home, 0o777);
    server = await httpServer(join(dir.path, "engine.sock"), (_req, res) => res.end("OK"));
    chmodSync(server.address as string, 0o600);
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  it("a non-root user on a root-only socket gets a permission failure", {
    skip: eaccesSkipReason(),
    timeout: 60_000,
  }, async (t) => {
    const command = runtimeCommand(here("child-request.ts"));
    try {
      accessSync(command[0]!, constants.X_OK);
    } catch {
      t.skip(`SKIPPED: ${command[0]} is not executable`);
      return;
    }
    const nobody = asNobody([...command, server.address as string], home);
    const result = await runChild(nobody.command, { timeoutMs: DEADLINE_MS, env: nobody.env });
    assert.equal(result.timedOut, false, result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const socket = (server.address as string).replaceAll(".", "\\.");
    assert.match(result.stdout, new RegExp(`^error TransportError permission permission denied connecting to unix://${socket} `));
    assert.match(result.stdout, /closed\n$/);
  });

  for (const engine of ["docker", "containerd"] as const) {
    it(`a ${engine} watcher as a non-root user on a root-only socket gives up at once (not retryable)`, {
      skip: eaccesSkipReason(),
      timeout: 60_000,
    }, async () => {
      const nobody = asNobody([...runtimeCommand(here("child-request.ts")), server.address as string, `watch-${engine}`], home);
      const result = await runChild(nobody.command, { timeoutMs: DEADLINE_MS, env: nobody.env });
      assert.equal(result.timedOut, false, result.stderr);
      assert.equal(result.code, 0, result.stderr);
      const outcome = /^watch EnginePermissionError retryable=false ms=(\d+)$/m.exec(result.stdout);
      assert.ok(outcome, result.stdout + result.stderr);
      assert.ok(Number(outcome[1]) < 1000, `ready rejected only after ${outcome[1]} ms`);
      assert.match(result.stdout, /closed\n$/);
    });
  }

  const denoOnly = runtime === "deno" ? undefined : "SKIPPED: Deno permissions exist only on Deno";

  it("Deno without the socket flags is denied, naming the flags that then work", { skip: denoOnly, timeout: 60_000 }, async () => {
    const socket = server.address as string;
    const child = here("child-request.ts");
    const denied = await runDeno(["run", child, socket]);
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /^error TransportError denied-by-runtime the runtime denied access to unix:\/\//, denied.stderr);
    const flags = /^flags (.*)$/m.exec(denied.stdout)?.[1]?.split(" ") ?? [];
    assert.ok(flags.length > 0, denied.stdout);
    const allowed = await runDeno(["run", ...flags, child, socket]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.deepEqual(allowed.stdout.trim().split("\n"), ["ok OK", "closed"]);
  });

  for (const engine of ["docker", "containerd"] as const) {
    it(`a ${engine} watcher under Deno without the socket flags gives up at once (not retryable)`, { skip: denoOnly, timeout: 60_000 }, async () => {
      const denied = await runDeno(["run", "--allow-env", here("child-request.ts"), server.address as string, `watch-${engine}`]);
      assert.equal(denied.code, 0, denied.stderr);
      const outcome = /^watch EnginePermissionError retryable=false ms=(\d+)$/m.exec(denied.stdout);
      assert.ok(outcome, denied.stdout + denied.stderr);
      assert.ok(Number(outcome[1]) < 1000, `ready rejected only after ${outcome[1]} ms`);
    });
  }
});
