/**
 * Which JavaScript runtime this module runs on, detected once at load time so
 * that runtime-specific adapters are chosen in exactly one place.
 *
 * @module
 */

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
