#!/usr/bin/env node
// Generates the TypeScript protobuf code of every engine client that has one: for each engines/<name>/
// with a proto/ directory and a buf.gen.yaml, engines/<name>/proto/**/*.proto → the template's output
// directories (engines/containerd/gen/, …) with protoc-gen-es v2 via buf, both from node_modules. The
// generated code is committed and never edited by hand.
//
//   node scripts/gen-proto.mjs           regenerate every engine's generated code
//   node scripts/gen-proto.mjs --check   regenerate into a temporary directory and exit 1 when the
//                                        committed code of any engine differs
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const enginesDir = join(root, "engines");
const binDir = join(root, "node_modules", ".bin");

/** The engine directories with protobuf sources and a buf template, sorted by name. */
function protoModules() {
  return readdirSync(enginesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(enginesDir, entry.name))
    .filter((dir) => existsSync(join(dir, "proto")) && existsSync(join(dir, "buf.gen.yaml")))
    .sort();
}

/** The plugin output directories a buf.gen.yaml names (`out:`), relative to its module. */
function outputDirs(moduleDir) {
  const template = readFileSync(join(moduleDir, "buf.gen.yaml"), "utf8");
  const outs = [...template.matchAll(/^\s*out:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$/gm)].map((m) => m[1]);
  if (outs.length === 0) {
    console.error(`gen-proto: ${relative(root, moduleDir)}/buf.gen.yaml names no plugin output (out:)`);
    process.exit(2);
  }
  return [...new Set(outs)];
}

/** Runs `buf generate` in `moduleDir` so that the template's outputs land under `outputBase` (default: the module). */
function generate(moduleDir, outputBase) {
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
    console.error(
      `gen-proto: buf generate in ${relative(root, moduleDir)} failed: ${result.error?.message ?? `exit code ${result.status}`}`,
    );
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

const modules = protoModules();
if (modules.length === 0) {
  console.error("gen-proto: no engines/*/ directory has a proto/ directory and a buf.gen.yaml");
  process.exit(2);
}
if (process.argv.includes("--check")) {
  let stale = false;
  for (const moduleDir of modules) {
    const tempBase = mkdtempSync(join(tmpdir(), "ww-gen-proto-"));
    try {
      generate(moduleDir, tempBase);
      for (const out of outputDirs(moduleDir)) {
        const committed = relative(root, join(moduleDir, out));
        const problems = diffTrees(join(tempBase, out), join(moduleDir, out));
        if (problems.length > 0) {
          stale = true;
          console.error(
            `gen-proto: ${committed}/ is out of date with ${relative(root, moduleDir)}/proto/:\n  ` +
              problems.join("\n  "),
          );
        } else {
          console.log(`gen-proto: ${committed}/ is up to date`);
        }
      }
    } finally {
      rmSync(tempBase, { recursive: true, force: true });
    }
  }
  if (stale) {
    console.error("run `node scripts/gen-proto.mjs` and commit the result");
    process.exit(1);
  }
} else {
  for (const moduleDir of modules) {
    generate(moduleDir, undefined);
    for (const out of outputDirs(moduleDir)) {
      const dir = join(moduleDir, out);
      console.log(`gen-proto: generated ${listFiles(dir).length} files into ${relative(root, dir)}/`);
    }
  }
}
