/**
 * Bounded waits for tests against fakes: a wait that does not end fails the
 * test with a message saying what it waited for, rather than hanging until
 * the runner's timeout. `npm run mutate` sets `WW_WAIT_MS` low, so that a
 * mutant which leaves a wait unanswered is caught by this message within
 * seconds; nothing is timed (the bound only cuts a hang short).
 *
 * @module
 */
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";

/** The bound of one wait when `WW_WAIT_MS` is not set. */
export const DEFAULT_WAIT_MS = 10_000;

/** The bound of one wait: `WW_WAIT_MS` if set, else {@linkcode DEFAULT_WAIT_MS}. */
export function waitBound(): number {
  const env = Number(process.env.WW_WAIT_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_WAIT_MS;
}

/**
 * Settles like `promise`, or fails with "no <what> within <ms> ms" once the
 * bound passes first (the timer is cleared either way).
 *
 * @example
 * ```ts
 * import { within } from "./bounded.ts";
 * const value = await within("the answer", Promise.resolve(42));
 * ```
 */
export async function within<T>(what: string, promise: PromiseLike<T>, ms: number = waitBound()): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `no ${what} within ${ms} ms` })), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until `condition()` holds, checking after each scheduling barrier
 * (every promise reaction queued so far has run); fails with "<what> not
 * reached within <ms> ms", plus `detail()` when given, once the bound passes.
 *
 * @example
 * ```ts
 * import { until } from "./bounded.ts";
 * let done = false;
 * setTimeout(() => (done = true), 1);
 * await until("done", () => done);
 * ```
 */
export async function until(what: string, condition: () => boolean, detail?: () => string, ms: number = waitBound()): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what} not reached within ${ms} ms${detail ? `: ${detail()}` : ""}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
