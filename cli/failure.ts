/**
 * The message for unreachable engines (exit code 2): each endpoint tried,
 * why it failed and how to fix it — the fix from each engine's registry
 * entry. Pure, so its wording is unit-testable.
 *
 * @module
 */

import { ENGINE_REGISTRY, engineKind } from "../engines/registry.ts";
import type { EngineRegistry } from "../engines/registry.ts";
import { EngineError, EnginePermissionError } from "../lib/errors.ts";
import { TransportError } from "../lib/transport/failure.ts";
import { grantFlags } from "../lib/permissions.ts";
import type { DenoGrant } from "../lib/permissions.ts";

/** Why one engine could not be shown. */
export interface EngineFailure {
  /** The registry name of the engine kind, e.g. `docker`. */
  readonly engine: string;
  /** The endpoint tried. */
  readonly endpoint: string;
  /** The error, typed where the engine client could tell (see `lib/errors.ts`). */
  readonly error: unknown;
  /** Under Deno, when the endpoint lacked a grant (found before it was touched): every grant it needs. */
  readonly denoGrants?: readonly DenoGrant[];
}

/**
 * The note for settings Deno may not read (treated as unset), naming the
 * flag; "" when none is missing.
 */
export function renderUnreadableEnv(grants: readonly DenoGrant[]): string {
  if (grants.length === 0) return "";
  const names = grants.map((g) => (g.name === "env" ? g.variable : "")).join(", ");
  return `whalewatcher: Deno may not read ${names}, so ${grants.length === 1 ? "it counts" : "they count"} as unset\n` +
    `  hint: to use ${grants.length === 1 ? "it" : "them"}, run Deno with ${grantFlags(grants)}\n`;
}

/** The transport failure in an error's cause chain, if any. */
function transportCause(error: unknown): TransportError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof TransportError) return e;
  }
  return undefined;
}

/**
 * What is likely wrong, where the runtime's text shows it: a socket path
 * that does not exist is "not found" (every runtime words ENOENT its own way).
 */
function likelyCause(failure: TransportError): string {
  if (failure.failure !== "unavailable") return "";
  return /\bENOENT\b|os error 2\)|No such file or directory/.test(failure.detail) ? ": socket not found" : ": nothing listens there";
}

/**
 * The error's message in this project's words, then the runtime's own text
 * as a `cause:` line (never in the main line), then the hint for engine
 * errors; the error name for untyped ones.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof EngineError)) return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const { text, cause } = separateCause(error.message, error);
  return `${text}${cause === "" ? "" : `\ncause: ${cause}`}${error.hint ? `\nhint: ${error.hint}` : ""}`;
}

/**
 * `text` (a message naming `error`) with the runtime's words of `error`'s
 * transport failure taken out and replaced by the likely cause; those words
 * are returned apart as `cause` ("" when `text` does not hold them).
 *
 * @example
 * ```ts
 * separateCause("plain text", undefined); // { text: "plain text", cause: "" }
 * ```
 */
export function separateCause(text: string, error: unknown): { text: string; cause: string } {
  const failure = transportCause(error);
  if (failure === undefined || failure.detail === "" || !text.includes(` (${failure.detail})`)) return { text, cause: "" };
  return { text: text.replace(` (${failure.detail})`, likelyCause(failure)), cause: failure.detail };
}

/**
 * One line per engine that did not answer while others did (`--engine all`): noted and skipped.
 *
 * @example
 * ```ts
 * import { EngineUnavailableError } from "../lib/errors.ts";
 * const error = new EngineUnavailableError("no containerd at /run/c.sock", { retryable: true, endpoint: "/run/c.sock" });
 * renderSkipped([{ engine: "containerd", endpoint: "/run/c.sock", error }]);
 * // "whalewatcher: skipped containerd at /run/c.sock: no containerd at /run/c.sock\n"
 * ```
 */
export function renderSkipped(failures: readonly EngineFailure[]): string {
  return failures.map((f) => `whalewatcher: skipped ${f.engine} at ${f.endpoint}: ${describeError(f.error).split("\n")[0]}\n`)
    .join("");
}

/**
 * The full message for failed engines. `runtime` adds the Deno permission
 * advice where it matters; `registry` supplies each engine's fix.
 */
export function renderFailures(
  failures: readonly EngineFailure[],
  runtime: string,
  registry: EngineRegistry = ENGINE_REGISTRY,
): string {
  const kinds = [...new Set(failures.map((f) => f.engine))];
  const lines = [
    kinds.length === 1
      ? `whalewatcher: the ${kinds[0]!} engine is not reachable:`
      : "whalewatcher: no container engine is reachable; tried:",
  ];
  for (const f of failures) {
    const [first = "", ...rest] = describeError(f.error).split("\n");
    lines.push(`  ${f.engine} at ${f.endpoint}: ${first}`);
    for (const line of rest) lines.push(`    ${line}`);
  }
  const hints = kinds.flatMap((name) => {
    const hint = engineKind(name, registry)?.unreachableHint;
    return hint === undefined ? [] : [{ name, hint }];
  });
  if (hints.length === 1) lines.push(`To fix: ${hints[0]!.hint}.`);
  else if (hints.length > 1) lines.push("To fix:", ...hints.map(({ name, hint }) => `  ${name}: ${hint}.`));
  const grants = failures.flatMap((f) => f.denoGrants ?? []);
  if (grants.length > 0) {
    lines.push(`Deno: to reach them all, run with ${grantFlags(grants)} (keep any other values of these flags in the same flag: a second flag of a kind replaces the first).`);
  }
  // Only where a permission was in the way: with -A (or every grant) a missing socket has nothing to do with -P.
  if (runtime === "deno" && failures.some((f) => f.error instanceof EnginePermissionError || (f.denoGrants?.length ?? 0) > 0)) {
    lines.push(
      "Deno: `deno run -P cli/bin.ts` grants only the default sockets; for another socket SOCK add " +
        "--allow-read=SOCK --allow-write=SOCK --allow-net=unix:SOCK,localhost (flags replace the set's list of the same kind).",
    );
  }
  return lines.join("\n") + "\n";
}
