/**
 * Error messages a person can read, on every runtime: the main line says in this project's words what failed,
 * where and the likely cause (a missing socket is "not found", a refused one "permission denied"); the
 * runtime's own text (Deno's `client error (Connect)…`, Bun's `ENOENT: Was there a typo…`) only on a `cause:`
 * line of its own.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChild } from "../support/child.ts";
import { cliCommand, runCli } from "./child.ts";

const RAW = /Was there a typo|client error|os error|ENOENT|EACCES|connect E/;

/** The lines of the failure block for one endpoint: its main line and the indented lines under it. */
function block(stderr: string, engine: string): { main: string; more: string[] } {
  const lines = stderr.split("\n");
  const i = lines.findIndex((l) => l.startsWith(`  ${engine} at `));
  assert.ok(i >= 0, stderr);
  const more: string[] = [];
  for (let j = i + 1; j < lines.length && lines[j]!.startsWith("    "); j++) more.push(lines[j]!.trim());
  return { main: lines[i]!, more };
}

describe("error messages", () => {
  const dir = mkdtempSync(join(tmpdir(), "ww-words-"));
  let server: Server | undefined;
  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a missing socket: 'socket not found' in the main line, the runtime's text as the cause", async () => {
    const missing = join(dir, "missing.sock");
    for (const [engine, args] of [
      ["docker", ["--engine", "docker", "--docker-host", `unix://${missing}`]],
      ["containerd", ["--engine", "containerd", "--containerd", missing]],
    ] as const) {
      const run = await runCli(args);
      assert.equal(run.code, 2, run.stderr);
      const { main, more } = block(run.stderr, engine);
      assert.match(main, /: socket not found(;|$)/, main);
      assert.doesNotMatch(main, RAW, "no runtime text in the main line");
      assert.match(more[0]!, /^cause: /, run.stderr);
      assert.match(more[0]!, RAW);
      assert.match(more[1]!, /^hint: /);
    }
  });

  it("a socket the user may not open: 'permission denied', the runtime's text as the cause", {
    skip: process.getuid?.() === 0 ? undefined : "needs root (runs the CLI as nobody)",
  }, async () => {
    const socket = join(dir, "root-only.sock");
    server = createServer((c) => c.destroy());
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    chmodSync(dir, 0o755);
    chmodSync(socket, 0o600);
    const [program, argv] = cliCommand(["--engine", "docker", "--docker-host", `unix://${socket}`]);
    const run = await runChild(["runuser", "-u", "nobody", "--", program, ...argv], { timeoutMs: 60_000, env: { HOME: dir } });
    assert.equal(run.code, 2, run.stderr);
    const { main, more } = block(run.stderr, "docker");
    assert.match(main, /: permission denied connecting to unix:\/\/.*root-only\.sock$/, main);
    assert.doesNotMatch(main, RAW);
    assert.match(more[0]!, /^cause: .*(EACCES|os error 13|permission denied)/i, run.stderr);
  });
});
