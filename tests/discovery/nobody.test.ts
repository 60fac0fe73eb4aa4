/**
 * Discovery as a user who may neither read root's engine processes'
 * descriptors nor open root's sockets: the candidates say
 * `permission-denied`, nothing crashes. Runs a child as `nobody` (setpriv),
 * as tests/transport/permission.test.ts does.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { runChild, runtimeCommand } from "../support/child.ts";
import { containerdEngine } from "../support/engines.ts";
import { makeTempDir, type TempDir } from "../support/unix-server.ts";

const SETPRIV = "/usr/bin/setpriv";
const NOBODY = 65534;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "SKIPPED: needs root to drop to user nobody";
  if (!existsSync(SETPRIV)) return `SKIPPED: ${SETPRIV} (util-linux) is missing`;
  return containerdEngine().skip;
}

describe("discovery as nobody", () => {
  let dir: TempDir;
  let home: string;
  before(() => {
    dir = makeTempDir();
    home = join(dir.path, "home");
    mkdirSync(home);
    chmodSync(home, 0o777);
  });
  after(() => dir.remove());

  it("reports root's engine processes as permission-denied", { skip: skipReason(), timeout: 90_000 }, async () => {
    const script = fileURLToPath(new URL("./child-discover.ts", import.meta.url));
    const result = await runChild(
      [SETPRIV, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...runtimeCommand(script)],
      { timeoutMs: 80_000, env: { HOME: home, TMPDIR: home, DENO_DIR: join(home, "deno"), XDG_CACHE_HOME: home } },
    );
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.at(-1), "done");
    const containerdPid = lines.filter((line) => line.startsWith("containerd\t\tprocess ") && line.endsWith("\tpermission-denied"));
    assert.ok(containerdPid.length > 0, result.stdout);
  });
});
