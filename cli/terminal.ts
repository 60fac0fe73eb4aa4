/**
 * Whether to colour output: only on a terminal and never with `NO_COLOR`.
 * Deno reads `NO_COLOR` without env permission through `Deno.noColor`, so the
 * CLI needs no env grant beyond the DOCKER_* variables.
 *
 * @module
 */

import process from "node:process";
import { runtime } from "../lib/runtime.ts";

interface DenoTerminal {
  readonly noColor: boolean;
  readonly stdout: { isTerminal(): boolean };
}

/** Whether stdout should get ANSI colours. */
export function colorWanted(): boolean {
  if (runtime === "deno") {
    const deno = (globalThis as unknown as { Deno: DenoTerminal }).Deno;
    return !deno.noColor && deno.stdout.isTerminal();
  }
  const noColor = process.env.NO_COLOR;
  return (noColor === undefined || noColor === "") && process.stdout.isTTY === true;
}
