/**
 * Which JavaScript runtime this module runs on, detected once at load time so
 * that runtime-specific adapters are chosen in exactly one place.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The JavaScript runtimes this module supports. */
export type Runtime = "node" | "deno" | "bun";

function detectRuntime(): Runtime {
  // Bun and Deno both emulate `process`, so test for their own globals first.
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  return "node";
}

/** The runtime executing this module. */
export const runtime: Runtime = detectRuntime();

/**
 * Whether the module whose `import.meta` is given was started as the
 * program (`deno run mod.ts`, `bun mod.ts`, `node mod.ts`, `tsx mod.ts`), not
 * imported. Uses `import.meta.main` where the runtime has it (Deno, Bun,
 * Node ≥ 24.2); elsewhere (older Node, tsx) compares the module's file with
 * the script the process was started with, so that running it is never a
 * silent no-op.
 *
 * @example
 * ```ts
 * import { isMainModule } from "./runtime.ts";
 * if (isMainModule(import.meta)) console.log("started as a program");
 * ```
 */
export function isMainModule(meta: ImportMeta): boolean {
  const main = (meta as ImportMeta & { main?: unknown }).main;
  if (typeof main === "boolean") return main;
  const script = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1];
  if (script === undefined || !meta.url.startsWith("file:")) return false;
  try {
    return realpathSync(fileURLToPath(meta.url)) === realpathSync(resolve(script));
  } catch {
    return false; // the script path does not exist as a file (an eval, a REPL)
  }
}
