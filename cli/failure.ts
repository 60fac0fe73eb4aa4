/**
 * The message for unreachable engines (exit code 2): each endpoint tried,
 * why it failed and how to fix it. Pure, so its wording is unit-testable.
 *
 * @module
 */

import { EngineError } from "../lib/errors.ts";

/** Why one engine could not be shown. */
export interface EngineFailure {
  /** What the user selected: `docker` or `containerd`. */
  readonly engine: "docker" | "containerd";
  /** The endpoint tried. */
  readonly endpoint: string;
  /** The error, typed where the engine client could tell (see `lib/errors.ts`). */
  readonly error: unknown;
}

/** The error's message, hint included for engine errors; the error name for untyped ones. */
export function describeError(error: unknown): string {
  if (error instanceof EngineError) return error.hint ? `${error.message}\nhint: ${error.hint}` : error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The full message for failed engines. `runtime` adds the Deno permission
 * advice where it matters.
 */
export function renderFailures(failures: readonly EngineFailure[], runtime: string): string {
  const lines = [
    failures.length === 1
      ? `whalewatcher: the ${failures[0]!.engine} engine is not reachable:`
      : "whalewatcher: no container engine is reachable; tried:",
  ];
  for (const f of failures) {
    const [first = "", ...rest] = describeError(f.error).split("\n");
    lines.push(`  ${f.engine} at ${f.endpoint}: ${first}`);
    for (const line of rest) lines.push(`    ${line}`);
  }
  lines.push(
    "To fix: start the engine, or point at its socket with --docker-host URL (or DOCKER_HOST) " +
      "and --containerd PATH; for permission errors run as a user allowed on the socket " +
      "(e.g. in the docker group) or with sudo.",
  );
  if (runtime === "deno") {
    lines.push(
      "Deno: `deno run -P mod.ts` grants only the default sockets; for another socket SOCK add " +
        "--allow-read=SOCK --allow-write=SOCK --allow-net=unix:SOCK,localhost (flags replace the set's list of the same kind).",
    );
  }
  return lines.join("\n") + "\n";
}
