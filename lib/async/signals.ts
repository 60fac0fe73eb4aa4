/**
 * Linking abort signals: one controller that aborts when any of its parents
 * does, and that can be unlinked again so that long-lived parents do not
 * collect listeners.
 *
 * @module
 */

/** An abort controller linked to parent signals; see {@linkcode linkSignals}. */
export interface LinkedSignal extends Disposable {
  /** Aborts when any parent aborts (with its reason) or when {@linkcode LinkedSignal.abort} is called. */
  readonly signal: AbortSignal;
  /** Aborts the linked signal (not the parents). */
  abort(reason?: unknown): void;
  /** Removes the listeners from the parents; the linked signal keeps its state. */
  dispose(): void;
}

/**
 * Creates an abort signal that follows every given parent (`undefined` ones
 * are skipped) and can also be aborted on its own. Unlike `AbortSignal.any`,
 * the links are removed by `dispose()`, which matters for parents
 * that outlive many children (a watcher's lifetime signal and its connections).
 *
 * @example
 * ```ts
 * import { linkSignals } from "./signals.ts";
 * const parent = new AbortController();
 * const child = linkSignals(parent.signal);
 * parent.abort("stop");
 * console.assert(child.signal.aborted && child.signal.reason === "stop");
 * child.dispose();
 * ```
 */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const unlinks: (() => void)[] = [];
  const dispose = (): void => {
    for (const unlink of unlinks.splice(0)) unlink();
  };
  for (const parent of parents) {
    if (parent === undefined) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = (): void => controller.abort(parent.reason);
    parent.addEventListener("abort", onAbort, { once: true });
    unlinks.push(() => parent.removeEventListener("abort", onAbort));
  }
  if (controller.signal.aborted) dispose();
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose,
    [Symbol.dispose]: dispose,
  };
}
