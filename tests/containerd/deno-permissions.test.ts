/**
 * Under Deno, a connection that the permission system denies gives
 * EnginePermissionError with the exact flags to grant — checked for real in a
 * child `deno run` without those flags. Node and Bun have no such permissions.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runChild, runtimeCommand } from "../support/child.ts";
import { fileURLToPath } from "node:url";
import { runtime } from "../../lib/runtime.ts";
import { ContainerdClient } from "../../engines/containerd/mod.ts";

const CHILD_ARG = "--deno-permissions-child";
const socket = "/run/ww-test-no-such-dir/containerd.sock";

if (process.argv.includes(CHILD_ARG)) {
  const client = new ContainerdClient({ socket });
  try {
    await client.version();
    console.log("no error");
  } catch (error) {
    console.log(JSON.stringify({ name: (error as Error).name, hint: (error as { hint?: string }).hint }));
  } finally {
    await client.close();
  }
} else {
  const skip = runtime === "deno" ? undefined : `SKIPPED: Deno permissions do not exist on ${runtime}`;
  describe("containerd client under Deno permissions", () => {
    it("a denied socket gives EnginePermissionError naming the flags to grant", { skip, timeout: 60_000 }, async () => {
      const file = fileURLToPath(import.meta.url);
      const root = fileURLToPath(new URL("../../", import.meta.url));
      const child = await runChild([...runtimeCommand(file, [`--allow-read=${root}`]), CHILD_ARG], { timeoutMs: 30_000 });
      assert.deepEqual([child.code, child.timedOut], [0, false], child.stderr);
      const stdout = child.stdout;
      const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { name?: string; hint?: string };
      assert.equal(result.name, "EnginePermissionError", stdout);
      assert.match(result.hint ?? "", new RegExp(`--allow-read=${socket} --allow-write=${socket} --allow-net=unix:${socket}`));
    });
  });
}
