/**
 * Deno without `--allow-read=/proc`: discovery degrades to the configured
 * and well-known places with a note saying so, never a crash or a prompt.
 * Runs a Deno child with exactly the reduced permissions (Deno.Command: a
 * node:child_process child would inherit the parent's permissions). On a
 * terminal (`script` gives the child a pty, its input held open, where Deno
 * would prompt and wait), every place not granted is skipped with the flags
 * to grant, and nothing is asked.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { runtime } from "../../lib/runtime.ts";
import { runChild } from "../support/child.ts";

// Minimal typing: the tests type-check against Node's types only.
declare const Deno: {
  execPath(): string;
  Command: new (cmd: string, options: { args: string[]; signal: AbortSignal }) => {
    output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
  };
};

const skip = runtime !== "deno" ? "SKIPPED: Deno permissions only exist on Deno" : undefined;
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./child-discover.ts", import.meta.url));

/**
 * The child's output, run on a terminal (`script` gives it a pty) with `flags` and its input held open:
 * without --no-prompt, a permission Deno had to ask for would show its prompt and wait. Asserts it asked nothing.
 */
async function discoverOnTerminal(flags: string): Promise<string> {
  const deno = [Deno.execPath(), "run", flags, SCRIPT].join(" ");
  const run = await runChild(["script", "--quiet", "--return", "--command", deno, "/dev/null"], { interactive: true, timeoutMs: 50_000 });
  const text = run.stdout.replaceAll("\r\n", "\n");
  assert.equal(run.timedOut, false, `the child waited (at a prompt?):\n${text}`);
  assert.doesNotMatch(text, /Deno requests|Allow\?/);
  assert.equal(run.code, 0, text + run.stderr);
  assert.match(text, /\ndone\n$/);
  return text;
}

describe("discovery on Deno without /proc", () => {
  it("notes that engine processes were not looked for", { skip, timeout: 60_000 }, async () => {
    const command = new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-read=${REPO}`, "--allow-env", "--allow-sys", "--no-prompt", SCRIPT],
      signal: AbortSignal.timeout(50_000),
    });
    const { code, stdout, stderr } = await command.output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(text, /^note\t\/proc may not be read \(permission denied by Deno: -A, at least --allow-read=\/proc\)/m);
    assert.match(text, /^processScan\tfalse$/m);
    assert.match(text, /\ndone\n$/);
  });

  it("on a terminal it asks nothing: places not granted are skipped naming the flags, /proc with a note", { skip, timeout: 60_000 }, async () => {
    const text = await discoverOnTerminal(`--allow-read=${REPO}`);
    const socket = "/var/run/docker.sock";
    assert.match(text, new RegExp(`^docker\tunix://${socket}\t${socket}\tpermission-denied$`, "m"));
    assert.ok(
      text.includes(`why\tunix://${socket}\tpermission denied by Deno: --allow-read=${socket} --allow-write=${socket} --allow-net=unix:${socket},localhost\n`),
      text,
    );
    assert.match(text, /^why\t\/run\/containerd\/containerd.sock\tpermission denied by Deno: --allow-read=\/run\/containerd\/containerd.sock --allow-write=\S+ --allow-net=unix:\/run\/containerd\/containerd.sock$/m);
    assert.match(text, /^note\t\/proc may not be read \(permission denied by Deno: -A, at least --allow-read=\/proc\)/m);
    assert.match(text, /^processScan\tfalse$/m);
  });

  it("on a terminal with --allow-read=/proc it asks nothing either: /proc is scanned, or a note says why not", { skip, timeout: 60_000 }, async () => {
    const text = await discoverOnTerminal(`--allow-read=${REPO},/proc`);
    // Deno 2 reads /proc only with -A: then the scan's note says so; a Deno that reads it with the grant scans it.
    assert.match(text, /^processScan\ttrue$|^note\t\/proc could not be read \(.*--allow-all.*\): engine processes were not looked for/m);
  });
});
