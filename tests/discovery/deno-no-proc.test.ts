/**
 * Deno without `--allow-read=/proc`: discovery degrades to the configured
 * and well-known places with a note saying so, never a crash or a prompt.
 * Runs a Deno child with exactly the reduced permissions (Deno.Command: a
 * node:child_process child would inherit the parent's permissions).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { runtime } from "../../lib/runtime.ts";

// Minimal typing: the tests type-check against Node's types only.
declare const Deno: {
  execPath(): string;
  Command: new (cmd: string, options: { args: string[]; signal: AbortSignal }) => {
    output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
  };
};

describe("discovery on Deno without /proc", () => {
  it("notes that engine processes were not looked for", {
    skip: runtime !== "deno" ? "SKIPPED: Deno permissions only exist on Deno" : undefined,
    timeout: 60_000,
  }, async () => {
    const repo = fileURLToPath(new URL("../..", import.meta.url));
    const script = fileURLToPath(new URL("./child-discover.ts", import.meta.url));
    const command = new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-read=${repo}`, "--allow-env", "--allow-sys", "--no-prompt", script],
      signal: AbortSignal.timeout(50_000),
    });
    const { code, stdout, stderr } = await command.output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(text, /^note\t\/proc may not be read \(on Deno grant --allow-read=\/proc\)/m);
    assert.match(text, /^processScan\tfalse$/m);
    assert.match(text, /\ndone\n$/);
  });
});
