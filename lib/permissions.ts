/**
 * Whether the process may read an environment variable or a file without
 * asking: on Deno, a read that is not granted would stop an interactive run
 * at a permission prompt (or fail), which is wrong for settings that are only
 * consulted on the off chance (`HOME`, `~/.docker/config.json`). Node and
 * Bun have no permissions to ask.
 *
 * @module
 */

import { runtime } from "./runtime.ts";

interface DenoPermissions {
  permissions: {
    querySync(descriptor: { name: "env"; variable: string } | { name: "read"; path: string }): { state: string };
  };
}

function granted(descriptor: { name: "env"; variable: string } | { name: "read"; path: string }): boolean {
  if (runtime !== "deno") return true;
  const deno = (globalThis as unknown as { Deno: DenoPermissions }).Deno;
  return deno.permissions.querySync(descriptor).state === "granted";
}

/** Whether the environment variable `name` can be read without a permission prompt. */
export function mayReadEnv(name: string): boolean {
  return granted({ name: "env", variable: name });
}

/** Whether the file at `path` can be read without a permission prompt. */
export function mayReadFile(path: string): boolean {
  return granted({ name: "read", path });
}
