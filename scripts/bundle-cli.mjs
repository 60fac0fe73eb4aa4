#!/usr/bin/env node
// `node scripts/bundle-cli.mjs [--standalone OUTFILE]`: bundles the CLI (cli/bin.ts) with esbuild.
// Default (the npm build, after tsc): dist/cli/bin.js, one small entry that enables Node's compile cache, and
// chunks under dist/cli/chunks/ split at the CLI's dynamic imports, so that `--help` loads one file of the
// argument handling and a run loads the chunks of the engines it opens; npm dependencies stay imports of the
// installed packages. --standalone OUTFILE: one self-contained ES module with every dependency inlined, the
// input of `deno compile` (scripts/compile.mjs), which would otherwise embed the whole node_modules.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const standalone = process.argv.indexOf("--standalone");
const common = {
  absWorkingDir: root,
  entryPoints: { bin: "cli/bin.ts" },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  logLevel: "warning",
};

if (standalone >= 0) {
  const outfile = process.argv[standalone + 1];
  if (outfile === undefined) throw new Error("--standalone needs an output file");
  await build({ ...common, outfile: path.resolve(outfile) });
} else {
  // Chunk names carry content hashes: without this, every build would leave the previous chunks in the package.
  rmSync(path.join(root, "dist", "cli", "chunks"), { recursive: true, force: true });
  await build({
    ...common,
    outdir: path.join(root, "dist", "cli"),
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    packages: "external",
  });
}
