/**
 * Capped exponential backoff with jitter (the abortable sleep between
 * retries is `sleep` in `async/wait.ts`).
 *
 * The delay sequence is a pure generator (the random source is injectable),
 * so its properties can be tested without timers; {@linkcode Backoff} adds the
 * "reset after success" state the watcher needs.
 *
 * @module
 */

/**
 * How random the delays are:
 * - `"full"`: uniformly in `[0, envelope)` where the envelope grows
 *   exponentially up to `maxMs` (spreads reconnect storms best);
 * - `"decorrelated"`: uniformly between `initialMs` and `factor` times the
 *   previous delay, capped at `maxMs` (never shorter than `initialMs`);
 * - `"none"`: exactly the envelope (deterministic).
 *
 * @example Deterministic delays, e.g. for a demo
 * ```ts
 * import { DockerClient, type BackoffJitter, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const jitter: BackoffJitter = "none";
 * await using watcher = new Watcher(new DockerClient(), { backoff: { jitter, initialMs: 250 } });
 * void watcher.watch();
 * await watcher.ready;
 * ```
 */
export type BackoffJitter = "full" | "decorrelated" | "none";

/**
 * Options of the reconnect backoff; every field has a default.
 *
 * @example Fail at once instead of retrying (a one-shot tool)
 * ```ts
 * import { type BackoffOptions, DockerClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const once: BackoffOptions = { maxRetries: 0 };
 * await using watcher = new Watcher(new DockerClient({ host: "unix:///run/no-such-engine.sock" }), { backoff: once });
 * void watcher.watch();
 * const error = await watcher.ready.catch((e: unknown) => e);
 * console.log("no engine:", (error as Error).message);
 * ```
 */
export interface BackoffOptions {
  /** Base delay in milliseconds (default 500). */
  initialMs?: number;
  /** Upper bound of every delay in milliseconds (default 30,000). */
  maxMs?: number;
  /** Growth factor per retry, at least 1 (default 2). */
  factor?: number;
  /** Jitter flavour (default `"full"`). */
  jitter?: BackoffJitter;
  /** How many retries follow a failure before giving up: `Infinity` (default) retries forever, `0` never retries. */
  maxRetries?: number;
}

/** The effective backoff options: every field set. */
export type ResolvedBackoffOptions = Readonly<Required<BackoffOptions>>;

/** The defaults of {@linkcode BackoffOptions}. */
export const DEFAULT_BACKOFF: ResolvedBackoffOptions = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: "full",
  maxRetries: Infinity,
});

/**
 * Fills in defaults and validates, so that a typo fails loudly at
 * construction instead of producing NaN delays later.
 */
export function resolveBackoffOptions(options: BackoffOptions = {}): ResolvedBackoffOptions {
  const resolved = { ...DEFAULT_BACKOFF, ...withoutUndefined(options) };
  const { initialMs, maxMs, factor, jitter, maxRetries } = resolved;
  if (!Number.isFinite(initialMs) || initialMs < 0) {
    throw new RangeError(`backoff initialMs must be a finite number >= 0, got ${initialMs}`);
  }
  if (!Number.isFinite(maxMs) || maxMs < initialMs) {
    throw new RangeError(`backoff maxMs must be a finite number >= initialMs (${initialMs}), got ${maxMs}`);
  }
  if (!Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`backoff factor must be a finite number >= 1, got ${factor}`);
  }
  if (jitter !== "full" && jitter !== "decorrelated" && jitter !== "none") {
    throw new RangeError(`backoff jitter must be "full", "decorrelated" or "none", got ${String(jitter)}`);
  }
  if (!(maxRetries === Infinity || (Number.isSafeInteger(maxRetries) && maxRetries >= 0))) {
    throw new RangeError(`backoff maxRetries must be a non-negative integer or Infinity, got ${maxRetries}`);
  }
  return Object.freeze(resolved);
}

function withoutUndefined(options: BackoffOptions): BackoffOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as BackoffOptions;
}

/**
 * Yields the delays (in milliseconds) before each retry: `maxRetries` of them
 * at most, each within `[0, maxMs]`. `random` must return numbers in `[0, 1)`
 * like `Math.random`.
 *
 * @example
 * ```ts
 * import { backoffDelays } from "./backoff.ts";
 * const delays = [...backoffDelays({ initialMs: 100, maxMs: 1000, jitter: "none", maxRetries: 5 })];
 * // [100, 200, 400, 800, 1000]
 * ```
 */
export function* backoffDelays(
  options: BackoffOptions = {},
  random: () => number = Math.random,
): Generator<number, void, undefined> {
  const { initialMs, maxMs, factor, jitter, maxRetries } = resolveBackoffOptions(options);
  // The envelope grows by multiplication rather than factor ** n so that it
  // saturates at maxMs instead of overflowing to Infinity (or NaN for 0 * Infinity).
  let envelope = initialMs;
  let previous = initialMs;
  for (let retry = 0; retry < maxRetries; retry++) {
    switch (jitter) {
      case "none":
        yield envelope;
        break;
      case "full":
        yield Math.min(maxMs, random() * envelope);
        break;
      case "decorrelated": {
        const upper = Math.min(maxMs, previous * factor);
        previous = Math.min(maxMs, initialMs + random() * (upper - initialMs));
        yield previous;
        break;
      }
    }
    envelope = Math.min(maxMs, envelope * factor);
  }
}

/**
 * A retry budget: hands out the next delay until the retries are exhausted,
 * and starts over after {@linkcode Backoff.reset} (the watcher resets after
 * every successful sync, so only consecutive failures count).
 */
export class Backoff {
  readonly #options: ResolvedBackoffOptions;
  readonly #random: () => number;
  #delays: Generator<number, void, undefined>;
  #retries = 0;

  /** Creates a backoff from options (validated, with defaults) and a random source in `[0, 1)`. */
  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#options = resolveBackoffOptions(options);
    this.#random = random;
    this.#delays = backoffDelays(this.#options, random);
  }

  /** The effective options. */
  get options(): ResolvedBackoffOptions {
    return this.#options;
  }

  /** How many delays were handed out since construction or the last reset. */
  get retries(): number {
    return this.#retries;
  }

  /** The delay before the next retry in milliseconds, or `undefined` when retries are exhausted. */
  next(): number | undefined {
    const { value, done } = this.#delays.next();
    if (done) return undefined;
    this.#retries++;
    return value;
  }

  /** Starts the sequence over (after a success). */
  reset(): void {
    this.#delays = backoffDelays(this.#options, this.#random);
    this.#retries = 0;
  }
}
