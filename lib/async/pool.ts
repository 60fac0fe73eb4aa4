/**
 * A bounded concurrent map: at most `limit` calls in flight, results in input
 * order, and the first failure aborts the calls still running.
 *
 * @module
 */

import { linkSignals } from "./signals.ts";

/**
 * Calls `fn` for every item with at most `limit` calls in flight and resolves
 * the results in the order of `items`. The signal handed to `fn` aborts when
 * `signal` does or when a call fails; no new call starts after that, and the
 * map rejects with the first failure (or the abort reason) once every started
 * call has settled, so nothing is left running.
 *
 * @example
 * ```ts
 * import { mapConcurrent } from "./pool.ts";
 * const squares = await mapConcurrent([1, 2, 3], 2, async (n) => n * n);
 * console.assert(squares.join() === "1,4,9");
 * ```
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const failure = linkSignals(signal);
  const results: R[] = new Array(items.length);
  let failed: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure.signal.aborted) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, failure.signal);
      } catch (error) {
        failed ??= { error };
        failure.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    failure.dispose();
  }
  signal?.throwIfAborted();
  if (failed) throw failed.error;
  return results;
}
