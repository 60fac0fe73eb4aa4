import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Watcher } from "../../lib/watcher.ts";
import type { WatcherLogger, WatcherOptions } from "../../lib/watcher.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import type { ReadonlyPortfolio } from "../../lib/model/portfolio.ts";
import { EnginePermissionError, EngineUnavailableError, SubscriberOverflowError, WatcherClosedError } from "../../lib/errors.ts";
import { connectionLost, FakeEngine, settled } from "../support/fake-engine.ts";
import { until, within } from "../support/bounded.ts";

/** Retries at once (a zero-delay timer), forever. */
const IMMEDIATE: WatcherOptions = { backoff: { initialMs: 0, maxMs: 0, jitter: "none" } };

const ids = (portfolio: ReadonlyPortfolio): string[] => [...portfolio.allContainers()].map((c) => c.id).sort();

type Seen = [LifecycleEvent["type"], string];

/** Takes exactly `n` events from a subscription (failing if it ends first). */
async function take(subscription: AsyncIterator<LifecycleEvent>, n: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  while (seen.length < n) {
    const next = await within(`event ${seen.length + 1} of ${n}`, subscription.next());
    assert.equal(next.done, false, `subscription ended after ${JSON.stringify(seen)}`);
    const event = next.value as LifecycleEvent;
    assert.ok(event.time instanceof Date);
    seen.push([event.type, event.container.id]);
  }
  return seen;
}

/**
 * Proves that nothing else is queued for `subscription`: starts a sentinel
 * container and expects its `started` to be the very next event.
 */
async function expectNothingMore(engine: FakeEngine, subscription: AsyncIterator<LifecycleEvent>): Promise<void> {
  const sentinel = `sentinel-${engine.clock}`;
  await engine.start({ id: sentinel });
  assert.deepEqual(await take(subscription, 1), [["started", sentinel]]);
}

const recordingLogger = (): WatcherLogger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, debug() {}, warn: (message: string) => void warnings.push(message) };
};

describe("Watcher: initial sync", () => {
  it("subscribes first, then lists; ready resolves and the portfolio holds the alive containers", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a", name: "alpha" });
    engine.startQuietly({ id: "b", name: "beta", project: "shop" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    const subscriber = watcher.events();
    const watching = watcher.watch();
    await within("watcher.ready", watcher.ready);
    assert.equal(watcher.phase, "synced");

    assert.deepEqual(ids(watcher.portfolio), ["a", "b"]);
    assert.deepEqual(watcher.portfolio.names(), ["shop"]);
    assert.equal(watcher.portfolio.container("alpha")?.id, "a");
    assert.deepEqual(await take(subscriber, 2), [["started", "a"], ["started", "b"]]);
    // The engine's ID is asked for on every sync, alongside subscribing and listing.
    assert.deepEqual(engine.calls.map((c) => c.method), ["lifecycleEvents", "id", "list"]);
    assert.equal(engine.stream.since, undefined, "no replay on the first connection");

    await watcher.close();
    await within("the watch to end", watching);
    assert.equal(engine.closed, true);
  });

  it("exposes the engine's metadata", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine);
    assert.equal(watcher.engine, engine);
    assert.equal(watcher.type, "fake.test");
    assert.equal(watcher.api, "fake:///engine");
    assert.equal(watcher.pid, 4242);
  });

  it("hands out snapshots that never change under the caller", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    const before = watcher.portfolio;
    await engine.start({ id: "b" });
    await take(subscriber, 1);
    assert.deepEqual(ids(before), ["a"]);
    assert.deepEqual(ids(watcher.portfolio), ["a", "b"]);
    // @ts-expect-error: what a watcher hands out is typed read-only; at run time it is still an independent clone
    before.remove("a");
    assert.deepEqual(ids(watcher.portfolio), ["a", "b"], "changing a snapshot does not change the watcher");
  });
});

describe("Watcher: events after the sync", () => {
  it("applies start, pause, unpause and exit, emitting each real change once", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();

    const c = await engine.start({ id: "c", project: "p" });
    assert.deepEqual(await take(subscriber, 1), [["started", "c"]]);
    assert.equal(watcher.portfolio.container("c")?.pid, c.pid);
    assert.equal(watcher.portfolio.project("p")?.container("c")?.id, "c");

    await engine.pause("c");
    await engine.pause("c"); // a repeat changes nothing
    assert.deepEqual(await take(subscriber, 1), [["paused", "c"]]);
    assert.equal(watcher.portfolio.container("c")?.paused, true);

    await engine.unpause("c");
    assert.deepEqual(await take(subscriber, 1), [["unpaused", "c"]]);
    assert.equal(watcher.portfolio.container("c")?.paused, false);

    await engine.exit("c");
    await engine.exit("unknown"); // an exit of a container never seen emits nothing
    assert.deepEqual(await take(subscriber, 1), [["exited", "c"]]);
    assert.equal(watcher.portfolio.container("c"), undefined);
    assert.deepEqual(watcher.portfolio.names(), [], "the emptied project is gone");

    await engine.emit({ type: "started", id: "a", time: engine.clock }); // duplicate start of a listed container
    await expectNothingMore(engine, subscriber);
  });

  it("adds nothing when the inspect of a start event finds the container gone", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    await engine.emit({ type: "started", id: "ghost", time: engine.clock });
    await expectNothingMore(engine, subscriber);
    assert.equal(watcher.portfolio.container("ghost"), undefined);
  });
});

describe("Watcher: events while the list is in flight", () => {
  it("a container that dies during the list is not added from it (dead list)", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    engine.startQuietly({ id: "b" });
    const list = engine.holdList();
    await using watcher = new Watcher(engine, IMMEDIATE);
    const subscriber = watcher.events();
    void watcher.watch();
    assert.deepEqual((await within("the held list to be called", list.called)).map((c) => c.id), ["a", "b"], "the list's snapshot still has a");
    await engine.exit("a");
    list.release();
    await within("watcher.ready", watcher.ready);
    assert.deepEqual(ids(watcher.portfolio), ["b"]);
    assert.deepEqual(await take(subscriber, 1), [["started", "b"]]);
    await expectNothingMore(engine, subscriber);
  });

  it("a pause or unpause during the list is replayed over it", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    engine.startQuietly({ id: "b", paused: true });
    const list = engine.holdList();
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    const snapshot = await within("the held list to be called", list.called);
    assert.deepEqual(snapshot.map((c) => [c.id, c.paused]), [["a", false], ["b", true]]);
    await engine.pause("a");
    await engine.unpause("b");
    list.release();
    await within("watcher.ready", watcher.ready);
    assert.equal(watcher.portfolio.container("a")?.paused, true);
    assert.equal(watcher.portfolio.container("b")?.paused, false);
  });

  it("a container both listed and started during the list yields one started", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    const list = engine.holdList();
    await using watcher = new Watcher(engine, IMMEDIATE);
    const subscriber = watcher.events();
    void watcher.watch();
    await within("the held list to be called", list.called);
    await engine.emit({ type: "started", id: "a", time: engine.clock });
    await settled(); // the inspected start is folded in before the list arrives
    list.release();
    await within("watcher.ready", watcher.ready);
    assert.deepEqual(await take(subscriber, 1), [["started", "a"]]);
    await expectNothingMore(engine, subscriber);
  });
});

describe("Watcher: inspect pipelining", () => {
  it("inspects start events concurrently but applies them in event order", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "z" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    engine.holdInspects();

    await engine.start({ id: "a" });
    await engine.start({ id: "b" });
    await engine.pause("z");
    const [inspectA, inspectB] = await within("2 inspects", engine.inspected(2));
    assert.equal(inspectA?.id, "a");
    assert.equal(inspectB?.id, "b");

    inspectB!.release();
    await settled();
    assert.deepEqual(ids(watcher.portfolio), ["z"], "b waits for a; the pause of z waits for both");
    assert.equal(watcher.portfolio.container("z")?.paused, false);

    inspectA!.release();
    assert.deepEqual(await take(subscriber, 3), [["started", "a"], ["started", "b"], ["paused", "z"]]);
  });

  it("keeps at most inspectConcurrency inspects in flight", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine, { ...IMMEDIATE, inspectConcurrency: 1 });
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    engine.holdInspects();

    // With one inspect in flight the watcher stops reading the stream, so
    // a's event counts as processed only once its inspect is done.
    const startedA = engine.start({ id: "a" });
    const [inspectA] = await within("1 inspects", engine.inspected(1));
    const startedB = engine.start({ id: "b" });
    await settled();
    assert.equal(engine.count("inspect"), 1, "b is not inspected while a's inspect is in flight");
    inspectA!.release();
    await within("a's start to be processed", startedA);
    const [, inspectB] = await within("2 inspects", engine.inspected(2));
    inspectB!.release();
    await within("b's start to be processed", startedB);
    assert.deepEqual(await take(subscriber, 2), [["started", "a"], ["started", "b"]]);
  });

  it("resyncs when an inspect fails instead of guessing", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    engine.holdInspects();
    await engine.start({ id: "a" });
    const [inspectA] = await within("1 inspects", engine.inspected(1));
    engine.holdInspects(false);
    inspectA!.fail(connectionLost("inspect failed"));
    assert.deepEqual(await take(subscriber, 1), [["started", "a"]], "the resync's list brings a");
    assert.equal(engine.count("lifecycleEvents"), 2);
  });

  it("rejects a nonsensical inspectConcurrency", () => {
    assert.throws(() => new Watcher(new FakeEngine(), { inspectConcurrency: 0 }), RangeError);
  });
});

describe("Watcher: reconnects", () => {
  it("reconnects with backoff and since=last event; the old portfolio stays readable; subscribers get only the diff", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    engine.startQuietly({ id: "b", project: "p" });
    engine.startQuietly({ id: "c" });
    const logger = recordingLogger();
    await using watcher = new Watcher(engine, { backoff: { initialMs: 1, maxMs: 1, jitter: "none" }, logger });
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    await engine.start({ id: "d" });
    const lastEventTime = engine.clock;
    assert.deepEqual(await take(subscriber, 1), [["started", "d"]]);

    // The outage: changes the watcher cannot see.
    engine.exitQuietly("a");
    engine.setPausedQuietly("b", true);
    const oldC = engine.truth.get("c")!;
    engine.exitQuietly("c");
    const newC = engine.startQuietly({ id: "c" }); // restarted: same ID, new PID
    engine.startQuietly({ id: "e" });
    const list = engine.holdList();
    engine.stream.break(connectionLost("cut"));

    await within("the held list to be called", list.called);
    assert.deepEqual(ids(watcher.portfolio), ["a", "b", "c", "d"], "make-before-break: the old picture stays");
    assert.equal(watcher.portfolio.container("c")?.pid, oldC.pid);
    assert.equal(engine.streams[1]?.since, lastEventTime, "asks the engine to replay from the last seen event");
    assert.match(logger.warnings[0] ?? "", /lost fake:\/\/\/engine: cut; retry 1 in 1 ms/);

    list.release();
    const seen = await take(subscriber, 5);
    assert.deepEqual(
      [...seen].sort(),
      [["exited", "a"], ["exited", "c"], ["paused", "b"], ["started", "c"], ["started", "e"]],
    );
    assert.ok(seen.findIndex((e) => e[0] === "exited" && e[1] === "c") < seen.findIndex((e) => e[0] === "started" && e[1] === "c"));
    assert.deepEqual(ids(watcher.portfolio), ["b", "c", "d", "e"]);
    assert.equal(watcher.portfolio.container("c")?.pid, newC.pid);
    assert.equal(watcher.portfolio.container("b")?.paused, true);
    await expectNothingMore(engine, subscriber);
  });

  it("with since= replay, subscribers still get exactly the missed transitions, nothing twice", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    engine.startQuietly({ id: "b" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    await engine.start({ id: "d" });
    assert.deepEqual(await take(subscriber, 1), [["started", "d"]]);
    const lastSeen = engine.clock;

    engine.stream.break();
    // The outage, with the engine logging events nobody receives now.
    void engine.exit("a");
    void engine.pause("b");
    void engine.start({ id: "e" });
    const seen = await take(subscriber, 3);
    assert.equal(engine.streams[1]?.since, lastSeen);
    assert.deepEqual([...seen].sort(), [["exited", "a"], ["paused", "b"], ["started", "e"]]);
    assert.deepEqual(ids(watcher.portfolio), ["b", "d", "e"]);
    await expectNothingMore(engine, subscriber); // the replayed start of d emitted nothing
  });

  it(
    "with since= replay, the missed transitions carry the engine's event times",
    async () => {
      const engine = new FakeEngine();
      engine.startQuietly({ id: "a" });
      await using watcher = new Watcher(engine, IMMEDIATE);
      void watcher.watch();
      await within("watcher.ready", watcher.ready);
      const subscriber = watcher.events();
      await engine.start({ id: "d" });
      await take(subscriber, 1);
      engine.stream.break();
      void engine.exit("a");
      const exitTime = engine.clock;
      void engine.start({ id: "e" });
      const startTime = engine.clock;
      const times = new Map<string, number>();
      for (let i = 0; i < 2; i++) {
        const event = (await within("the next event", subscriber.next())).value as LifecycleEvent;
        times.set(`${event.type} ${event.container.id}`, event.time.getTime());
      }
      assert.deepEqual(Object.fromEntries(times), { "exited a": exitTime, "started e": startTime });
    },
  );

  it("resets the backoff after every successful sync", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0, maxRetries: 1 } });
    const watching = watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    for (let round = 1; round <= 3; round++) {
      engine.startQuietly({ id: `r${round}` });
      engine.stream.break();
      // One retry suffices each time, because a successful sync restores the budget.
      assert.deepEqual(await take(subscriber, 1), [["started", `r${round}`]]);
    }
    assert.equal(engine.count("lifecycleEvents"), 4);
    await watcher.close();
    await within("the watch to end", watching);
  });

  it("treats a stream the engine ends, a failed subscription and a failed list as a lost connection", async () => {
    const engine = new FakeEngine();
    engine.failSubscriptions(1);
    engine.failLists(1);
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    assert.equal(engine.count("lifecycleEvents"), 3);
    const subscriber = watcher.events();
    engine.startQuietly({ id: "x" });
    engine.stream.end();
    assert.deepEqual(await take(subscriber, 1), [["started", "x"]]);
    assert.equal(engine.count("lifecycleEvents"), 4);
  });

  it("becomes ready once a sync succeeds after failures", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    engine.failLists(2);
    await using watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0, maxRetries: 2 } });
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    assert.deepEqual(ids(watcher.portfolio), ["a"]);
    assert.equal(engine.count("list"), 3);
  });
});

describe("Watcher: giving up", () => {
  it("rejects watch() and ready with the last error when retries are exhausted; subscribers get it too", async () => {
    const engine = new FakeEngine();
    let attempt = 0;
    engine.failLists(Infinity, () => connectionLost(`attempt ${++attempt}`));
    const logger = recordingLogger();
    await using watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0, maxRetries: 2 }, logger });
    const subscriber = watcher.events();
    await assert.rejects(within("the watch to fail", watcher.watch()), (error: Error) => error instanceof EngineUnavailableError && error.message === "attempt 3");
    await assert.rejects(within("ready to fail", watcher.ready), /attempt 3/);
    await assert.rejects(subscriber.next(), /attempt 3/);
    assert.equal(engine.count("lifecycleEvents"), 3);
    assert.equal(engine.streams.filter((s) => s.open).length, 0, "every stream was cancelled");
    assert.match(logger.warnings.at(-1) ?? "", /giving up on fake:\/\/\/engine after 2 retries: attempt 3/);
  });

  it("says 'after 1 retry', singular, when it gives up after one", async () => {
    const engine = new FakeEngine();
    engine.failLists(Infinity, () => connectionLost("gone"));
    const logger = recordingLogger();
    await using watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0, maxRetries: 1 }, logger });
    await assert.rejects(within("the watch to fail", watcher.watch()), /gone/);
    assert.equal(logger.warnings.at(-1), "whalewatcher: giving up on fake:///engine after 1 retry: gone");
  });

  it("never retries with maxRetries 0", async () => {
    const engine = new FakeEngine();
    engine.failSubscriptions(1, () => connectionLost("no engine"));
    await using watcher = new Watcher(engine, { backoff: { maxRetries: 0 } });
    await assert.rejects(within("the watch to fail", watcher.watch()), /no engine/);
    await assert.rejects(within("ready to fail", watcher.ready), /no engine/);
    assert.equal(engine.count("lifecycleEvents"), 1);
    assert.equal(engine.count("list"), 0);
  });

  it("gives up at once on a non-retryable engine error", async () => {
    class Forbidden extends EnginePermissionError {
      override readonly retryable = false;
    }
    const engine = new FakeEngine();
    engine.failLists(1, () => new Forbidden("permission denied", { endpoint: engine.api, retryable: false }));
    await using watcher = new Watcher(engine); // default backoff: retries forever
    await assert.rejects(within("the watch to fail", watcher.watch()), Forbidden);
    assert.equal(engine.count("list"), 1);
  });

  it("keeps the last portfolio readable after giving up, and ready stays resolved", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, { backoff: { maxRetries: 0 } });
    const watching = watcher.watch();
    await within("watcher.ready", watcher.ready);
    engine.stream.break(connectionLost("gone"));
    await assert.rejects(within("the watch to fail", watching), /gone/);
    await within("watcher.ready", watcher.ready);
    assert.deepEqual(ids(watcher.portfolio), ["a"]);
  });
});

describe("Watcher: subscribers", () => {
  it("initial delivers the current portfolio as started events, atomically with what follows", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    engine.startQuietly({ id: "b", paused: true });
    await using watcher = new Watcher(engine, IMMEDIATE);
    const early = watcher.events({ initial: true }); // before the first sync: nothing initial, then the sync
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    engine.holdInspects();
    await engine.start({ id: "c" }); // inspected, not yet applied
    const late = watcher.events({ initial: true });
    const [inspectC] = await within("1 inspects", engine.inspected(1));
    inspectC!.release();

    const initial = [(await within("initial 1", late.next())).value!, (await within("initial 2", late.next())).value!];
    assert.deepEqual(initial.map((e) => [e.type, e.container.id, e.container.paused]).sort(), [
      ["started", "a", false],
      ["started", "b", true], // the initial started event carries the paused state
    ]);
    assert.deepEqual(await take(late, 1), [["started", "c"]]);
    assert.deepEqual(await take(early, 3), [["started", "a"], ["started", "b"], ["started", "c"]]);
    engine.holdInspects(false);
    await engine.start({ id: "sentinel" });
    assert.deepEqual(await take(late, 1), [["started", "sentinel"]], "no duplicate, no gap");
    assert.deepEqual(await take(early, 1), [["started", "sentinel"]]);
  });

  it("a subscriber that never reads overflows while another one and the portfolio keep up", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const stuck = watcher.events({ buffer: 4 });
    const reader = watcher.events({ buffer: 4 });
    for (let i = 0; i < 20; i++) {
      await engine.start({ id: `c${i}` });
      assert.deepEqual(await take(reader, 1), [["started", `c${i}`]]);
    }
    assert.equal(watcher.portfolio.containerTotal, 20);
    assert.deepEqual(await take(stuck, 4), [["started", "c0"], ["started", "c1"], ["started", "c2"], ["started", "c3"]]);
    await assert.rejects(stuck.next(), SubscriberOverflowError);
    assert.deepEqual(await stuck.next(), { value: undefined, done: true });
  });

  it("a subscriber's signal ends only its own iteration", async () => {
    const engine = new FakeEngine();
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const controller = new AbortController();
    const leaving = watcher.events({ signal: controller.signal });
    const staying = watcher.events();
    controller.abort();
    assert.deepEqual(await leaving.next(), { value: undefined, done: true });
    await engine.start({ id: "a" });
    assert.deepEqual(await take(staying, 1), [["started", "a"]]);
  });
});

describe("Watcher: stopping", () => {
  it("close() ends subscribers, cancels the stream, closes the engine, and resolves watch()", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    const watcher = new Watcher(engine, IMMEDIATE);
    const watching = watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    const pending = subscriber.next();
    await watcher.close();
    await within("the watch to end", watching);
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.equal(engine.stream.open, false);
    await within("the stream to finish", engine.stream.finished);
    assert.equal(engine.closed, true);
    await watcher.close(); // idempotent
    assert.equal(engine.count("close"), 1);
    await assert.rejects(within("the watch to fail", watcher.watch()), WatcherClosedError);
    const afterwards = watcher.events({ initial: true });
    assert.deepEqual(await take(afterwards, 1), [["started", "a"]], "the last picture is still available");
    assert.deepEqual(await afterwards.next(), { value: undefined, done: true });
  });

  it("close() during a long backoff sleep returns at once and leaves no timer (sanitizers check)", async () => {
    const engine = new FakeEngine();
    const logger = recordingLogger();
    const watcher = new Watcher(engine, { backoff: { initialMs: 3_600_000, maxMs: 3_600_000, jitter: "none" }, logger });
    engine.failLists(1);
    const watching = watcher.watch();
    await within("list called", engine.called("list"));
    await until("a warning", () => logger.warnings.length > 0);
    assert.match(logger.warnings[0] ?? "", /retry 1 in 3600000 ms/);
    assert.equal(watcher.phase, "lost");
    await watcher.close();
    await within("the watch to end", watching);
    await assert.rejects(within("ready to fail", watcher.ready), WatcherClosedError);
  });

  it("aborting the watch's signal before the first sync resolves watch() and rejects ready with the reason", async () => {
    const engine = new FakeEngine();
    const list = engine.holdList();
    await using watcher = new Watcher(engine, IMMEDIATE);
    const subscriber = watcher.events();
    const controller = new AbortController();
    const watching = watcher.watch(controller.signal);
    await within("the held list to be called", list.called);
    const reason = new Error("stop it");
    controller.abort(reason);
    await within("the watch to end", watching);
    await assert.rejects(within("ready to fail", watcher.ready), (error) => error === reason);
    assert.deepEqual(await subscriber.next(), { value: undefined, done: true });
    assert.equal(engine.stream.open, false);
    await assert.rejects(within("the watch to fail", watcher.watch()), /only once/);
  });

  it("ready rejects with WatcherClosedError when closed without ever watching", async () => {
    const watcher = new Watcher(new FakeEngine());
    await watcher.close();
    await assert.rejects(within("ready to fail", watcher.ready), WatcherClosedError);
  });

  it("Symbol.asyncDispose closes", async () => {
    const engine = new FakeEngine();
    {
      await using watcher = new Watcher(engine, IMMEDIATE);
      void watcher.watch();
      await within("watcher.ready", watcher.ready);
    }
    assert.equal(engine.closed, true);
    assert.equal(engine.stream.open, false);
  });
});
