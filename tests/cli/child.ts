/**
 * Runs the whalewatcher CLI as a child process under the same runtime as the
 * test: Node on cli/bin.ts (type stripping, tsx on older Node), Deno and Bun on mod.ts as a program.
 *
 * @module
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../../lib/runtime.ts";
import { NODE_TS_FLAGS } from "../support/child.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** Deno permission flags for the child; `-A` unless a test narrows them. */
export type DenoFlags = readonly string[];

/** The command line running the CLI with `args` under this runtime. */
export function cliCommand(args: readonly string[], denoFlags: DenoFlags = ["-A"]): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, [...NODE_TS_FLAGS, `${ROOT}cli/bin.ts`, ...args]];
    case "deno":
      return [process.execPath, ["run", ...denoFlags, `${ROOT}mod.ts`, ...args]];
    case "bun":
      return [process.execPath, [`${ROOT}mod.ts`, ...args]];
  }
}

/** Result of a finished CLI run. */
export interface CliRun {
  /** Exit code (null when killed by a signal). */
  readonly code: number | null;
  /** Standard output. */
  readonly stdout: string;
  /** Standard error. */
  readonly stderr: string;
}

/** A running CLI whose stdout is read line by line. */
export interface CliChild {
  /** The process. */
  readonly process: ChildProcess;
  /** Resolves the next stdout line (without the newline); rejects when the process ends first or after `ms`. */
  nextLine(ms?: number): Promise<string>;
  /** Resolves once the process exited, with everything it wrote. */
  readonly exited: Promise<CliRun>;
}

/**
 * Starts the CLI; its environment is this process's, with `env` laid over it
 * (stdout is a pipe: no colour anyway).
 */
export function startCli(args: readonly string[], denoFlags?: DenoFlags, env: Record<string, string> = {}): CliChild {
  const [command, argv] = cliCommand(args, denoFlags);
  const child = spawn(command, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  let pending = "";
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    wake();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
  const exited = new Promise<CliRun>((resolve) => {
    child.on("close", (code) => {
      ended = true;
      wake();
      resolve({ code, stdout, stderr });
    });
  });
  async function nextLine(ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (lines.length === 0) {
      if (ended) throw new Error(`the CLI exited before printing another line; stderr:\n${stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from the CLI within ${ms} ms; stderr:\n${stderr}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return lines.shift()!;
  }
  return { process: child, nextLine, exited };
}

/** Runs the CLI to completion (killing it after `ms`). */
export async function runCli(
  args: readonly string[],
  denoFlags?: DenoFlags,
  ms = 60_000,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const child = startCli(args, denoFlags, env);
  const timer = setTimeout(() => child.process.kill("SIGKILL"), ms);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}
