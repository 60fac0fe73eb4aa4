/**
 * Records a watcher's lifecycle events from the moment it is made, so a test
 * can wait (bounded) for the one it expects and see everything else on failure.
 */
import assert from "node:assert/strict";
import { sleep } from "../../lib/async/wait.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import type { Watcher } from "../../lib/watcher.ts";

/** Default bound for one awaited event against a real engine. */
export const EVENT_WAIT_MS = 30_000;

/** Collects a watcher subscription's events; waits for one matching. */
export class WatcherEvents {
  readonly seen: LifecycleEvent[] = [];
  readonly #done: Promise<void>;
  readonly #abort = new AbortController();
  constructor(watcher: Watcher) {
    const subscription = watcher.events({ signal: this.#abort.signal });
    this.#done = (async () => {
      for await (const event of subscription) this.seen.push(event);
    })();
    // Not swallowed: close() awaits #done and rethrows; this only keeps an early failure from being "unhandled".
    this.#done.catch(() => {});
  }

  /** The first event matching predicate, seen before or within timeoutMs; fails naming what was seen. */
  async next(what: string, predicate: (event: LifecycleEvent) => boolean, timeoutMs = EVENT_WAIT_MS): Promise<LifecycleEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.seen.map((e) => `${e.type} ${e.container.name} ${e.container.id}`);
        assert.fail(`no ${what} within ${timeoutMs} ms; saw ${seen.join(", ")}`);
      }
      await sleep(25);
    }
  }

  /** Ends the subscription; rethrows if it failed. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}
