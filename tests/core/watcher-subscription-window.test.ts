/**
 * The subscription window at the watcher: an engine whose `subscribed` settles before the engine has
 * registered the subscription (Docker's window, FakeEngine `subscription: "late"`). The watcher lists as
 * soon as `subscribed` settles, so an event after that list but before the registration reaches it only
 * through the `since` it passes on a resubscription (its last seen event's time). The Docker client's own
 * `since` for a fresh subscription is attacked in tests/docker/subscription-window.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Watcher } from "../../lib/watcher.ts";
import type { WatcherOptions } from "../../lib/watcher.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { FakeEngine, settled } from "../support/fake-engine.ts";

/** Retries at once (a zero-delay timer), forever. */
const IMMEDIATE: WatcherOptions = { backoff: { initialMs: 0, maxMs: 0, jitter: "none" } };

/** The next `n` events of a subscription as `[type, id]`. */
async function take(subscription: AsyncIterator<LifecycleEvent>, n: number): Promise<[string, string][]> {
  const seen: [string, string][] = [];
  while (seen.length < n) {
    const next = await subscription.next();
    assert.equal(next.done, false, `subscription ended after ${JSON.stringify(seen)}`);
    const event = next.value as LifecycleEvent;
    seen.push([event.type, event.container.id]);
  }
  return seen;
}

describe("Watcher: an engine that registers subscriptions late (Docker's window)", () => {
  it("the fake's window is real: an event between `subscribed` and the registration misses a stream without since", async () => {
    const engine = new FakeEngine({ subscription: "late" });
    const stop = new AbortController();
    const stream = engine.lifecycleEvents({ signal: stop.signal });
    await stream.subscribed;
    assert.equal(engine.unregisteredSubscriptions, 1);
    await engine.start({ id: "in-the-window" });
    engine.registerSubscriptions();
    const after = engine.start({ id: "after" }); // resolves once the consumer processed it
    const iterator = stream[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.id, "after", "the window's event is lost without since");
    stop.abort();
    await after;
  });

  it("after a reconnect, transitions after the resync's list but before the registration are not lost", async () => {
    const engine = new FakeEngine({ subscription: "late" });
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    const watching = watcher.watch();
    await watcher.ready;
    engine.registerSubscriptions();
    const subscriber = watcher.events();
    await engine.start({ id: "b" });
    assert.deepEqual(await take(subscriber, 1), [["started", "b"]]);
    const lastSeen = engine.clock;

    engine.stream.break();
    await engine.called("list", 2);
    await settled(); // the resync applied its list: the window is open
    assert.equal(engine.unregisteredSubscriptions, 1, "subscribed, listed, not registered yet");
    await engine.start({ id: "c" });
    await engine.exit("a");
    await engine.pause("b");
    engine.registerSubscriptions();
    await engine.start({ id: "sentinel" }); // live: resolves once the watcher processed it

    // The portfolio first: without the since replay the window's transitions are missing from it.
    assert.deepEqual([...watcher.portfolio.allContainers()].map((c) => c.id).sort(), ["b", "c", "sentinel"]);
    assert.equal(watcher.portfolio.container("b")?.paused, true);
    assert.equal(engine.streams[1]?.since, lastSeen, "resubscribed from the last seen event");
    assert.deepEqual(await take(subscriber, 4), [["started", "c"], ["exited", "a"], ["paused", "b"], ["started", "sentinel"]]);
    await watcher.close();
    await watching;
  });
});
