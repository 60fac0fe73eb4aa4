/**
 * Runs the whalewatcher CLI as a child process under the same runtime as the
 * test (tests/support/child.ts): Node on cli/bin.ts (type stripping, tsx on
 * Node 22), Deno and Bun on the same file (the CLI entry; mod.ts as a program is tests/cli/main-module.test.ts).
 *
 * @module
 */
import { type ChildResult, type DenoFlags, type LiveChild, ROOT, runtimeCommand, startChild } from "../support/child.ts";
import { runtime } from "../../lib/runtime.ts";

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
