// Installs the npm dependencies when node_modules is missing or does not match package-lock.json.
import fs from "node:fs";
import path from "node:path";
import { withToolNode, pathWith } from "./node-lines.mjs";
import { loud, run } from "./util.mjs";

/** Why node_modules must be (re)installed, or undefined when it matches the lockfile. */
export function whyInstall(root) {
  const lockFile = path.join(root, "package-lock.json");
  if (!fs.existsSync(path.join(root, "node_modules"))) return "node_modules is missing";
  if (!fs.existsSync(lockFile)) return "there is no package-lock.json";
  const lock = JSON.parse(fs.readFileSync(lockFile, "utf8"));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const locked = lock.packages?.[""] ?? {};
  for (const field of ["dependencies", "devDependencies", "optionalDependencies"]) {
    if (JSON.stringify(manifest[field] ?? {}) !== JSON.stringify(locked[field] ?? {})) {
      return `package.json ${field} differ from package-lock.json`;
    }
  }
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    // optional entries are other platforms' binaries (@esbuild/*, @deno/*, @oven/*): absent by design
    if (key === "" || entry.optional || entry.link) continue;
    let installed;
    try {
      installed = JSON.parse(fs.readFileSync(path.join(root, key, "package.json"), "utf8")).version;
    } catch {
      return `${key} is not installed`;
    }
    if (entry.version !== undefined && installed !== entry.version) {
      return `${key} is ${installed}, the lockfile wants ${entry.version}`;
    }
  }
  return undefined;
}

/**
 * `npm ci` (lockfile present) or `npm install`, when needed, on a Node that package.json `engines` allows
 * (fetched from npm when the machine's own is older: no EBADENGINE warnings). npm 11 skips dependency install scripts
 * unless allowed; deno, bun and esbuild still work through their platform optionalDependencies.
 * Returns an error message, or undefined on success.
 */
export function installDeps(root) {
  const why = whyInstall(root);
  if (why === undefined) {
    process.stderr.write("[test] npm dependencies are up to date\n");
    return undefined;
  }
  const hasLock = fs.existsSync(path.join(root, "package-lock.json"));
  // a lockfile out of step with package.json makes `npm ci` fail: only `npm install` can reconcile them
  const command = hasLock && !why.includes("differ from package-lock.json") ? "ci" : "install";
  process.stderr.write(`[test] npm ${command} (${why})\n`);
  return withToolNode(root, (nodeDir) => {
    if (nodeDir !== path.dirname(process.execPath)) process.stderr.write(`[test] npm runs on ${path.join(nodeDir, "node")}\n`);
    const opts = { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: pathWith(nodeDir) };
    let r = run("npm", [command, "--no-audit", "--no-fund"], opts);
    if (r.code !== 0 && command === "ci") {
      loud(`npm ci failed (exit ${r.code}); falling back to npm install`);
      r = run("npm", ["install", "--no-audit", "--no-fund"], opts);
    }
    return r.code === 0 ? undefined : `npm ${command} failed with exit code ${r.code}`;
  });
}
