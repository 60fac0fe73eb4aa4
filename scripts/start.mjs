#!/usr/bin/env node
// `npm start [-- options]`: runs the whalewatcher CLI on a fresh clone. Installs the dependencies when
// node_modules is missing (`npm ci`), builds dist/ when it is missing or older than a source file, then runs
// dist/cli/bin.js with the given options and exits with its code. Where this machine's Node is older than
// package.json `engines` allows, all of it runs on a current Node fetched from npm (scripts/engines/node-lines.mjs),
// and one line on stderr says so. Plain Node ESM without dependencies.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_LINES, TOOL_LINE, pathWith, supportedNode, withToolNode } from "./engines/node-lines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const bin = join(root, "dist", "cli", "bin.js");

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: ["inherit", process.stderr, "inherit"] });
  if (result.status !== 0) {
    console.error(`whalewatcher start: \`${command} ${args.join(" ")}\` failed`);
    process.exit(result.status ?? 1);
  }
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "proto" && entry.name !== "node_modules") newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  withToolNode(root, (nodeDir) => run(npm, ["ci", "--no-audit", "--no-fund"], pathWith(nodeDir)));
}
const sources = Math.max(statSync(join(root, "mod.ts")).mtimeMs, ...["cli", "lib", "engines"].map((d) => newestSource(join(root, d))));
if (!existsSync(bin) || statSync(bin).mtimeMs < sources) run(npm, ["run", "--silent", "build"]);
const node = supportedNode(root);
if (node !== process.execPath) {
  console.error(`whalewatcher start: this Node (${process.version}) is too old, running on Node ${NODE_LINES[TOOL_LINE]} from npm`);
}
const child = spawn(node, [bin, ...process.argv.slice(2)], { stdio: "inherit" });
// Ctrl-C reaches the CLI directly (same process group); SIGTERM is passed on. The CLI's exit code is ours.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
