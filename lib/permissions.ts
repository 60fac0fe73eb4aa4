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

type Descriptor =
  | { name: "env"; variable: string }
  | { name: "read" | "write"; path: string }
  | { name: "net"; host: string };

interface DenoPermissions {
  permissions: {
    querySync(descriptor: Descriptor): { state: string };
  };
}

function granted(descriptor: Descriptor): boolean {
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

/**
 * The Deno flags a connection to the unix socket `path` lacks (read, write
 * and net on it; `localhost` too for HTTP over it, which Deno checks as
 * well), "" when it may connect without a permission prompt (always on Node
 * and Bun).
 */
export function missingSocketFlags(path: string, http: boolean): string {
  const flags = [
    granted({ name: "read", path }) ? "" : `--allow-read=${path}`,
    granted({ name: "write", path }) ? "" : `--allow-write=${path}`,
    granted({ name: "net", host: `unix:${path}` }) && (!http || granted({ name: "net", host: "localhost" }))
      ? ""
      : `--allow-net=unix:${path}${http ? ",localhost" : ""}`,
  ];
  return flags.filter((f) => f !== "").join(" ");
}
