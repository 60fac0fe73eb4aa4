/**
 * A promise together with the functions that settle it.
 *
 * @module
 */

/** A promise and its settling functions; see {@linkcode deferred}. */
export interface Deferred<T> {
  /** Settles when `resolve` or `reject` is first called. */
  readonly promise: Promise<T>;
  /** Fulfils the promise (later calls are ignored). */
  resolve(value: T): void;
  /** Rejects the promise (later calls are ignored). */
  reject(reason: unknown): void;
  /** Whether `resolve` or `reject` was called. */
  readonly settled: boolean;
}

/** Options of {@linkcode deferred}. */
export interface DeferredOptions {
  /**
   * Mark the promise as handled, so that a rejection nobody awaits never
   * becomes an unhandled rejection (for promises that are part of a public
   * API, such as a watcher's `ready`). Default `false`.
   */
  handled?: boolean;
}

/**
 * Creates a {@linkcode Deferred}: what `Promise.withResolvers` gives, plus a
 * `settled` flag and optional rejection handling (`Promise.withResolvers` is
 * missing on Node 20).
 *
 * @example
 * ```ts
 * import { deferred } from "./deferred.ts";
 * const ready = deferred<void>({ handled: true });
 * ready.reject(new Error("never awaited, never unhandled"));
 * console.assert(ready.settled);
 * ```
 */
export function deferred<T>(options: DeferredOptions = {}): Deferred<T> {
  let settled = false;
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (options.handled) promise.catch(() => {});
  return {
    promise,
    resolve(value) {
      settled = true;
      resolve(value);
    },
    reject(reason) {
      settled = true;
      reject(reason);
    },
    get settled() {
      return settled;
    },
  };
}
