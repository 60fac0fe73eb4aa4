#!/usr/bin/env node
// `node scripts/with-node.mjs ARGS…`: runs `node ARGS…` on a Node that package.json `engines` allows — this
// one, else a current Node fetched from npm (engines/node-lines.mjs), saying so in one line — and exits
// with its code. For the npm scripts that run project code (benchmarks, soak) on a machine with an older Node.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_LINES, TOOL_LINE, supportedNode } from "./engines/node-lines.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const node = supportedNode(root);
if (node !== process.execPath) console.error(`this Node (${process.version}) is too old, running on Node ${NODE_LINES[TOOL_LINE]} from npm`);
const child = spawn(node, process.argv.slice(2), { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
