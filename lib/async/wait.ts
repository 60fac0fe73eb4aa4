/**
 * Waiting that an abort signal can cut short: a sleep, and any promise.
 * Both remove their timer and listener whichever way they settle.
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as
 * the signal aborts — clearing its timer and listener, so nothing is left
 * behind either way.
 *
 * @example
 * ```ts
 * import { sleep } from "./wait.ts";
 * await sleep(1);
 * const stop = new AbortController();
 * const long = sleep(60_000, stop.signal);
 * stop.abort("enough");
 * await long.catch((reason) => console.assert(reason === "enough"));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as the
 * signal aborts (the promise itself goes on; its outcome is then ignored).
 *
 * @example
 * ```ts
 * import { abortable } from "./wait.ts";
 * const stop = new AbortController();
 * const waiting = abortable(new Promise<void>(() => {}), stop.signal);
 * stop.abort("enough");
 * await waiting.catch((reason) => console.assert(reason === "enough"));
 * ```
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {}); // its outcome no longer matters
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
