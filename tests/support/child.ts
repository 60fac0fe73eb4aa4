/**
 * The one test helper for child processes: the command that runs a
 * TypeScript file on the runtime running the tests, and starting a child
 * whose output can be read line by line while it runs or collected when it
 * exits by itself (bounded: it is killed, and says so, when it does not).
 *
 * @module
 */

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtime } from "../../lib/runtime.ts";
import { stripsTypes } from "../../scripts/engines/node-lines.mjs";

/** The repository root, the children's default working directory. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** Deno permission flags for a child; `-A` unless a test narrows them. */
export type DenoFlags = readonly string[];

/** What a child process did. */
export interface ChildResult {
  /** Exit code, or null when it ended by a signal. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
  /** Whether the child had to be killed because it did not exit in time. */
  timedOut: boolean;
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
}

/** Whether this runtime parses `await using` itself (Node 24+, Deno, Bun; not Node 22). */
function parsesAwaitUsing(): boolean {
  try {
    new Function("return async () => { await using x = null; }");
    return true;
  } catch {
    return false;
  }
}

/**
 * The flags a Node child needs to run the project's TypeScript: none where
 * Node strips types and parses `await using` itself (Node 24+), tsx's loader
 * (which lowers `await using`) on Node 22.
 */
export const NODE_TS_FLAGS: readonly string[] =
  runtime === "node" && !(stripsTypes(process.versions.node) && parsesAwaitUsing()) ? ["--import", "tsx"] : [];

/**
 * The command that runs the TypeScript file `script` with the current runtime:
 * Node with {@linkcode NODE_TS_FLAGS}, Deno with `denoFlags` (default `-A`),
 * Bun as it is.
 */
export function runtimeCommand(script: string, denoFlags: DenoFlags = ["-A"]): string[] {
  switch (runtime) {
    case "node":
      return [process.execPath, ...NODE_TS_FLAGS, script];
    case "deno":
      return [process.execPath, "run", ...denoFlags, script];
    case "bun":
      return [process.execPath, script];
  }
}

const SETPRIV = "/usr/bin/setpriv";
const NOBODY = 65534;

/**
 * Why a child cannot run as user `nobody` here (not root, or no `setpriv`), or undefined when it can:
 * root may open any socket, so only such a child meets a root-only socket's permission denied.
 */
export function nobodySkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "SKIPPED: needs root to drop to user nobody";
  if (!existsSync(SETPRIV)) return `SKIPPED: ${SETPRIV} (util-linux) is missing`;
  return undefined;
}

/**
 * `command` run as user `nobody` (via `setpriv`), with the environment that sends the caches of tsx,
 * Deno and Bun to `home`, a directory nobody may write.
 */
export function asNobody(command: readonly string[], home: string): { command: string[]; env: Record<string, string> } {
  return {
    command: [SETPRIV, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...command],
    env: { HOME: home, TMPDIR: home, DENO_DIR: join(home, "deno"), XDG_CACHE_HOME: home },
  };
}

/** How to start a child. */
export interface ChildOptions {
  /** Extra environment, over the test process's own. */
  env?: Record<string, string>;
  /** Variables of the test process's own environment the child does not get. */
  unsetEnv?: readonly string[];
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Kill it (SIGKILL) after this long and report `timedOut`; default: never. */
  timeoutMs?: number;
  /** Written to its standard input, which is then closed; default: no input. */
  stdin?: Uint8Array | string;
  /** Keep its standard input open for writing (`process.stdin`) instead; ignores `stdin`. */
  interactive?: boolean;
}

/** A running child. */
export interface LiveChild {
  /** The process, e.g. to send it a signal. */
  readonly process: ChildProcess;
  /** The next complete line of its standard output (without the newline); rejects after `ms` or when it exits first. */
  nextLine(ms?: number): Promise<string>;
  /** Its standard error so far. */
  stderr(): string;
  /** Resolves when it has exited and its output is complete. */
  readonly exited: Promise<ChildResult>;
}

function childEnv(options: ChildOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const key of options.unsetEnv ?? []) delete env[key];
  return env;
}

/** Starts `command` (program and arguments). */
export function startChild(command: readonly string[], options: ChildOptions = {}): LiveChild {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd ?? ROOT,
    env: childEnv(options),
    stdio: [options.stdin === undefined && !options.interactive ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (options.stdin !== undefined && !options.interactive) child.stdin!.end(options.stdin);
  let stdout = "";
  let stderr = "";
  let pending = "";
  let ended = false;
  let timedOut = false;
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    wake();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  const exited = new Promise<ChildResult>((resolve, reject) => {
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      ended = true;
      wake();
      resolve({ code, signal, timedOut, stdout, stderr });
    });
  });
  async function nextLine(ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (lines.length === 0) {
      if (ended) throw new Error(`the child exited before printing another line; stderr:\n${stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from the child within ${ms} ms; stderr:\n${stderr}`);
      let wait: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        wait = setTimeout(resolve, left);
      });
      clearTimeout(wait);
    }
    return lines.shift()!;
  }
  return { process: child, nextLine, stderr: () => stderr, exited };
}

/** Runs `command` and waits for it to exit by itself; kills it (SIGKILL) after `timeoutMs` and reports `timedOut`. */
export function runChild(command: readonly string[], options: ChildOptions & { timeoutMs: number }): Promise<ChildResult> {
  return startChild(command, options).exited;
}
