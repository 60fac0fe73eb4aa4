#!/usr/bin/env node
// Generates the TypeScript protobuf code of the containerd engine client:
// engines/containerd/proto/**/*.proto → engines/containerd/gen/ (protoc-gen-es
// v2 via buf, both from node_modules). The generated code is committed and
// never edited by hand.
//
//   node scripts/gen-proto.mjs           regenerate engines/containerd/gen/
//   node scripts/gen-proto.mjs --check   regenerate into a temporary directory
//                                        and exit 1 when the committed code differs
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, delimiter } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const moduleDir = join(root, "engines", "containerd");
const committedDir = join(moduleDir, "gen");
const binDir = join(root, "node_modules", ".bin");

/** Runs `buf generate` so that the template's `gen` output lands under `outputBase`. */
function generate(outputBase) {
  const args = ["generate"];
  if (outputBase !== undefined) args.push("--output", outputBase);
  const result = spawnSync(join(binDir, "buf"), args, {
    cwd: moduleDir,
    // buf finds the local protoc-gen-es plugin on PATH.
    env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}` },
    encoding: "utf8",
  });
  if (result.error !== undefined || result.status !== 0) {
    process.stderr.write(result.stderr ?? "");
    console.error(`gen-proto: buf generate failed: ${result.error?.message ?? `exit code ${result.status}`}`);
    process.exit(2);
  }
}

/** Lists the files below `dir` as paths relative to it, sorted. */
function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

/** Returns human-readable differences between two generated trees. */
function diffTrees(expectedDir, actualDir) {
  const expected = listFiles(expectedDir);
  const actual = listFiles(actualDir);
  const problems = [];
  for (const file of expected) {
    if (!actual.includes(file)) problems.push(`missing: ${file}`);
    else if (!readFileSync(join(expectedDir, file)).equals(readFileSync(join(actualDir, file)))) {
      problems.push(`differs: ${file}`);
    }
  }
  for (const file of actual) {
    if (!expected.includes(file)) problems.push(`not generated (stale): ${file}`);
  }
  return problems;
}

if (process.argv.includes("--check")) {
  const tempBase = mkdtempSync(join(tmpdir(), "ww-gen-proto-"));
  try {
    generate(tempBase);
    const problems = diffTrees(join(tempBase, "gen"), committedDir);
    if (problems.length > 0) {
      console.error(
        "gen-proto: engines/containerd/gen/ is out of date with engines/containerd/proto/:\n  " +
          problems.join("\n  ") + "\nrun `node scripts/gen-proto.mjs` and commit the result",
      );
      process.exit(1);
    }
    console.log("gen-proto: engines/containerd/gen/ is up to date");
  } finally {
    rmSync(tempBase, { recursive: true, force: true });
  }
} else {
  generate(undefined);
  console.log(`gen-proto: generated ${listFiles(committedDir).length} files into engines/containerd/gen/`);
}
