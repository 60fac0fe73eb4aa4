/**
 * The one test helper for running a TypeScript file in a child process of
 * the runtime running the tests, waiting (bounded) for it to exit by itself.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../../lib/runtime.ts";
import { stripsTypes } from "./stripping-node.ts";

/** What a child process did. */
export interface ChildResult {
  /** Exit code, or null when killed. */
  code: number | null;
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

/** The command that runs a TypeScript file with the current runtime. */
export function runtimeCommand(script: string): string[] {
  switch (runtime) {
    case "node":
      return [process.execPath, ...NODE_TS_FLAGS, script];
    case "deno":
      return [process.execPath, "run", "-A", script];
    case "bun":
      return [process.execPath, script];
  }
}

/**
 * Runs `command` and waits for it to exit by itself; kills it (SIGKILL) after
 * `timeoutMs` and reports `timedOut`.
 */
export function runChild(
  command: string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr });
    });
  });
}
