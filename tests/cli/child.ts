/**
 * Runs the whalewatcher CLI as a child process under the same runtime as the
 * test (tests/support/child.ts): Node on cli/bin.ts (type stripping, tsx on
 * Node 22), Deno and Bun on the same file (the CLI entry; mod.ts as a program is tests/cli/main-module.test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ChildResult, type DenoFlags, type LiveChild, ROOT, runtimeCommand, startChild } from "../support/child.ts";

export { type DenoFlags, ROOT };

/** The command line running the CLI with `args` under this runtime. */
export function cliCommand(args: readonly string[], denoFlags: DenoFlags = ["-A"]): [string, string[]] {
  const [program, ...argv] = runtimeCommand(`${ROOT}${"cli/bin.ts"}`, denoFlags);
  return [program!, [...argv, ...args]];
}

/** What one CLI run did. */
export type CliRun = ChildResult;

/** A running CLI. */
export type CliChild = LiveChild;

/** Starts the CLI with `args`; read its lines while it runs. */
export function startCli(args: readonly string[], denoFlags?: DenoFlags, env: Record<string, string> = {}): CliChild {
  const [program, argv] = cliCommand(args, denoFlags);
  return startChild([program, ...argv], { env });
}

/** Runs the CLI with `args` to its end; kills it after `ms`. */
export function runCli(
  args: readonly string[],
  denoFlags?: DenoFlags,
  ms = 60_000,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const [program, argv] = cliCommand(args, denoFlags);
  return startChild([program, ...argv], { env, timeoutMs: ms }).exited;
}

/** How {@linkcode watchCli} starts and ends the CLI. */
export interface WatchOptions {
  /** The signal that ends the watch; default SIGINT (Ctrl-C). */
  signal?: "SIGINT" | "SIGTERM";
  /** Deno permission flags; default `-A`. */
  denoFlags?: DenoFlags;
  /** Extra environment. */
  env?: Record<string, string>;
}

/**
 * Starts the CLI with `args` (a `--watch`), runs `body` with it, then ends it
 * as a user does — `signal` by its PID — and asserts that it exited 0;
 * returns what it printed. Whatever happens, it is killed (SIGKILL) and
 * waited for before this returns or throws, so that no CLI outlives a test.
 */
export async function watchCli(
  args: readonly string[],
  body: (cli: CliChild) => Promise<void>,
  options: WatchOptions = {},
): Promise<CliRun> {
  const cli = startCli(args, options.denoFlags, options.env);
  try {
    await body(cli);
    // process.kill, not ChildProcess.kill: Deno's node:child_process reports a child that it sent a signal to
    // as killed by that signal even when the child handled it and exited 0.
    process.kill(cli.process.pid!, options.signal ?? "SIGINT");
    const end = await cli.exited;
    assert.equal(end.code, 0, `the watch ended by ${options.signal ?? "SIGINT"} exits 0 (got ${end.code} ${end.signal}); stderr:\n${end.stderr}`);
    return end;
  } finally {
    cli.process.kill("SIGKILL");
    await cli.exited;
  }
}
