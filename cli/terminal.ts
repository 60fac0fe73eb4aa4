/**
 * What the CLI knows about its terminal: whether stdout/stderr are
 * terminals, whether to colour (only on a terminal and never with
 * `NO_COLOR`) and the width. Deno reads `NO_COLOR` without env permission
 * through `Deno.noColor`, so the CLI needs no env grant beyond the DOCKER_*
 * variables.
 *
 * @module
 */

import process from "node:process";
import { runtime } from "../lib/runtime.ts";

interface DenoTerminal {
  readonly noColor: boolean;
  readonly stdout: { isTerminal(): boolean };
  readonly stderr: { isTerminal(): boolean };
  consoleSize(): { columns: number; rows: number };
}

function deno(): DenoTerminal | undefined {
  return runtime === "deno" ? (globalThis as unknown as { Deno: DenoTerminal }).Deno : undefined;
}

/** Whether stdout is a terminal. */
export function stdoutIsTerminal(): boolean {
  return deno()?.stdout.isTerminal() ?? process.stdout.isTTY === true;
}

/** Whether stderr is a terminal. */
export function stderrIsTerminal(): boolean {
  return deno()?.stderr.isTerminal() ?? process.stderr.isTTY === true;
}

/** Whether stdout should get ANSI colours. */
export function colorWanted(): boolean {
  const d = deno();
  if (d) return !d.noColor && d.stdout.isTerminal();
  const noColor = process.env.NO_COLOR;
  return (noColor === undefined || noColor === "") && process.stdout.isTTY === true;
}

/** The width of the terminal stdout writes to, or `undefined` when stdout is not a terminal. */
export function terminalWidth(): number | undefined {
  if (!stdoutIsTerminal()) return undefined;
  const d = deno();
  const columns = d ? d.consoleSize().columns : process.stdout.columns;
  return typeof columns === "number" && columns > 0 ? columns : undefined;
}
