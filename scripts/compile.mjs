#!/usr/bin/env node
// `node scripts/compile.mjs bun|deno [OUTDIR]`: a standalone `whalewatcher` executable for hosts without Node,
// at OUTDIR/whalewatcher (default build/bun/ or build/deno/). Bun: `bun build --compile --bytecode` of
// cli/bin.ts (bytecode halves its start; .env and bunfig.toml of the working directory are not read). Deno:
// `deno compile` of one self-contained bundle (scripts/bundle-cli.mjs --standalone; from the sources it
// would embed the whole node_modules), with read, write, net and env granted: the sockets are the user's
// choice. deno compile needs Deno's `denort` runtime: it downloads it, or takes DENORT_BIN.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [target, outArg] = process.argv.slice(2);
if (target !== "bun" && target !== "deno") throw new Error("usage: node scripts/compile.mjs bun|deno [OUTDIR]");
const outDir = path.resolve(outArg ?? path.join(root, "build", target));
const binary = path.join(outDir, "whalewatcher");
mkdirSync(outDir, { recursive: true });
const run = (command, args, cwd = root) => execFileSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });

if (target === "bun") {
  run(path.join(root, "node_modules", ".bin", "bun"), [
    "build", "--compile", "--bytecode", "--format=esm", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    "cli/bin.ts", "--outfile", binary,
  ]);
} else {
  const bundle = path.join(outDir, "whalewatcher.mjs");
  run(process.execPath, [path.join(root, "scripts", "bundle-cli.mjs"), "--standalone", bundle]);
  run(path.join(root, "node_modules", ".bin", "deno"), [
    "compile", "--no-config", "--allow-read", "--allow-write", "--allow-net", "--allow-env", "--output", binary, bundle,
  ], outDir);
}
console.error(`wrote ${path.relative(process.cwd(), binary) || binary}`);
