/**
 * mod.ts started as a program runs the CLI in every way of starting it on
 * this runtime (never a silent exit 0), and importing it runs nothing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runtime } from "../../lib/runtime.ts";
import { VERSION } from "../../cli/version.ts";
import { ROOT } from "./child.ts";
import { strippingNode } from "../../scripts/engines/node-lines.mjs";
import { NODE_TS_FLAGS } from "../support/child.ts";

const MOD = join(ROOT, "mod.ts");

/** The ways of starting mod.ts as a program on the runtime running the tests. */
function programCommands(): Array<[string, string[]]> {
  switch (runtime) {
    case "node":
      return [
        [join(ROOT, "node_modules", ".bin", "tsx"), [MOD]],
        [process.execPath, ["--import", "tsx", MOD]],
        // Plain `node mod.ts` on a Node that strips types (this one, or Node 24 from npm).
        [strippingNode(ROOT), [MOD]],
      ];
    case "deno":
      return [[process.execPath, ["run", "-A", MOD]], [process.execPath, ["run", "-P", MOD]]];
    case "bun":
      return [[process.execPath, [MOD]], [process.execPath, ["run", MOD]]];
  }
}

/** Imports mod.ts (as a library) in a child of this runtime and prints a marker. */
function importCommand(): [string, string[]] {
  const code = `await import(${JSON.stringify(MOD)}); console.log("imported");`;
  switch (runtime) {
    case "node":
      return [process.execPath, [...NODE_TS_FLAGS, "--input-type=module", "-e", code]];
    case "deno":
      return [process.execPath, ["eval", "-q", code]];
    case "bun":
      return [process.execPath, ["-e", code]];
  }
}

function run([command, args]: [string, string[]], extra: string[] = []) {
  return spawnSync(command, [...args, ...extra], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
}

describe("mod.ts as a program", () => {
  for (const command of programCommands()) {
    const how = [command[0].replace(ROOT, ""), ...command[1].map((a) => a.replace(ROOT, ""))].join(" ");
    it(`${how} --version prints the version`, () => {
      const result = run(command, ["--version"]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, `whalewatcher ${VERSION}\n`);
    });
    it(`${how} --help prints the usage`, () => {
      const result = run(command, ["--help"]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^Usage: whalewatcher/);
    });
  }

  it("importing mod.ts runs no CLI", () => {
    const result = run(importCommand(), []);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "imported\n");
  });
});
