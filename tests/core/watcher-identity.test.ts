/**
 * The watcher's engine identity and exit details: the engine ID learned on
 * every sync and carried by every event, exit details from exit events, and
 * exits found only by a resync completed by a read-only inspection of the
 * dead containers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EngineExit } from "../../lib/engine.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import type { WatcherLogger, WatcherOptions } from "../../lib/watcher.ts";
import { deferred } from "../../lib/async/deferred.ts";
import { connectionLost, FakeEngine } from "../support/fake-engine.ts";
import { until, within } from "../support/bounded.ts";

const IMMEDIATE: WatcherOptions = { backoff: { initialMs: 0, maxMs: 0, jitter: "none" } };

/** A fake engine whose ID can change (a restarted engine) and that keeps exit records of dead containers. */
class ExitRecordingEngine extends FakeEngine {
  engineId = "engine-1";
  /** What `exitDetails` answers, by container ID; missing: the container is gone. */
  readonly records = new Map<string, EngineExit | Error>();
  readonly asked: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, every `exitDetails` call waits for it. */
  gate: Promise<void> | undefined;

  override id(): Promise<string> {
    void super.id();
    return Promise.resolve(this.engineId);
  }

  async exitDetails(id: string): Promise<EngineExit | undefined> {
    this.asked.push(id);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
      const record = this.records.get(id);
      if (record instanceof Error) throw record;
      return record;
    } finally {
      this.inFlight--;
    }
  }
}

async function take(subscription: AsyncIterator<LifecycleEvent>, n: number): Promise<LifecycleEvent[]> {
  const seen: LifecycleEvent[] = [];
  while (seen.length < n) {
    const next = await within(`event ${seen.length + 1} of ${n}`, subscription.next());
    assert.equal(next.done, false, `subscription ended after ${seen.length} events`);
    seen.push(next.value as LifecycleEvent);
  }
  return seen;
}

const debugLogger = (): WatcherLogger & { debugs: string[] } => {
  const debugs: string[] = [];
  return { debugs, debug: (message: string) => void debugs.push(message), warn() {} };
};

describe("Watcher: engine identity", () => {
  it("stamps type, API and the engine ID learned by the sync on every event, initial ones included", async () => {
    const engine = new ExitRecordingEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    assert.deepEqual(watcher.identity, { type: "fake.test", api: "fake:///engine", id: "" }, "before the first sync: no ID");
    assert.equal(watcher.engineId, "");
    const early = watcher.events();
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const identity = { type: "fake.test", api: "fake:///engine", id: "engine-1" };
    assert.equal(watcher.engineId, "engine-1");
    assert.deepEqual(watcher.identity, identity);
    const initial = await take(watcher.events({ initial: true }), 1);
    assert.deepEqual(initial.map((e) => [e.type, e.container.id, e.engine]), [["started", "a", identity]]);
    await engine.start({ id: "b" });
    await engine.pause("b");
    await engine.exit("b");
    const seen = await take(early, 4);
    assert.deepEqual(seen.map((e) => [e.type, e.container.id, e.engine]), [
      ["started", "a", identity],
      ["started", "b", identity],
      ["paused", "b", identity],
      ["exited", "b", identity],
    ]);
  });

  it("takes the new engine's ID after a resync (another engine instance at the same endpoint)", async () => {
    const engine = new ExitRecordingEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    engine.engineId = "engine-2";
    engine.exitQuietly("a");
    engine.startQuietly({ id: "b" });
    engine.stream.break(connectionLost("engine restarted"));
    const seen = await take(subscriber, 2);
    assert.deepEqual(seen.map((e) => [e.type, e.container.id, e.engine.id]), [["exited", "a", "engine-2"], ["started", "b", "engine-2"]]);
    assert.equal(watcher.engineId, "engine-2");
    await engine.start({ id: "c" });
    assert.equal((await take(subscriber, 1))[0]!.engine.id, "engine-2");
    assert.equal(engine.count("id"), 2, "one ID request per sync");
  });

  it("a failing ID request fails the sync, which is retried", async () => {
    const engine = new ExitRecordingEngine();
    let failures = 1;
    engine.id = () => (failures-- > 0 ? Promise.reject(connectionLost("no /info")) : Promise.resolve("engine-1"));
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    assert.equal(watcher.engineId, "engine-1");
    assert.equal(engine.count("list"), 2);
  });
});

describe("Watcher: exit details", () => {
  it("an exit event's code and OOM flag reach the subscribers, with the engine's exit time", async () => {
    const engine = new ExitRecordingEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    engine.truth.delete("a");
    await engine.emit({ type: "exited", id: "a", project: "", time: 1_000_000, exit: { code: 137, oom: true } });
    const [exited] = await take(subscriber, 1);
    assert.equal(exited!.type, "exited");
    assert.equal(exited!.time.getTime(), 1_000_000);
    assert.deepEqual(exited!.exit, { code: 137, oom: true, time: new Date(1_000_000) });
    assert.deepEqual(engine.asked, [], "no inspection for an exit the stream told of");
  });

  it("an exit found only by the resync takes code, OOM and time from inspecting the dead container", async () => {
    const engine = new ExitRecordingEngine();
    for (const id of ["a", "b", "c", "d", "e"]) engine.startQuietly({ id });
    const logger = debugLogger();
    await using watcher = new Watcher(engine, { ...IMMEDIATE, logger });
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();

    // The outage: a, b and c die unseen; d restarts under its ID; e stays.
    for (const id of ["a", "b", "c"]) engine.exitQuietly(id);
    engine.exitQuietly("d");
    engine.startQuietly({ id: "d" });
    engine.records.set("a", { code: 137, oom: true, time: 5_000 });
    engine.records.set("b", new Error("inspect broke")); // c: gone, no record
    engine.records.set("d", { code: 1, time: 6_000 }); // must not be asked: d is alive
    const listedBefore = Date.now();
    engine.stream.break(connectionLost("cut"));

    const seen = await take(subscriber, 5);
    const byKey = new Map(seen.map((e) => [`${e.type} ${e.container.id}`, e]));
    assert.deepEqual([...byKey.keys()].sort(), ["exited a", "exited b", "exited c", "exited d", "started d"]);
    const a = byKey.get("exited a")!;
    assert.deepEqual(a.exit, { code: 137, oom: true, time: new Date(5_000) });
    assert.equal(a.time.getTime(), 5_000, "the engine's exit time is the event's time");
    for (const id of ["b", "c", "d"]) {
      const event = byKey.get(`exited ${id}`)!;
      assert.deepEqual(event.exit, {}, `exit of ${id} unknown`);
      assert.ok(event.time.getTime() >= listedBefore, `exit of ${id} carries the resync's time`);
    }
    assert.deepEqual([...engine.asked].sort(), ["a", "b", "c"], "only the containers the list dropped are inspected");
    assert.ok(logger.debugs.some((m) => m.includes("exit details of b") && m.includes("inspect broke")), logger.debugs.join("\n"));
  });

  it("inspects dead containers with bounded concurrency and applies the list only after them", async () => {
    const engine = new ExitRecordingEngine();
    const ids = Array.from({ length: 7 }, (_, i) => `c${i}`);
    for (const id of ids) engine.startQuietly({ id });
    await using watcher = new Watcher(engine, { ...IMMEDIATE, inspectConcurrency: 2 });
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    for (const id of ids) {
      engine.exitQuietly(id);
      engine.records.set(id, { code: Number(id.slice(1)), time: 1_000 });
    }
    const gate = deferred<void>();
    engine.gate = gate.promise;
    engine.stream.break(connectionLost("cut"));
    await until("two inspects asked for", () => engine.asked.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(engine.asked.length, 2, "no more than inspectConcurrency at once");
    assert.equal(watcher.phase, "syncing", "the list waits for the inspections");
    assert.equal(watcher.portfolio.containerTotal, 7);
    gate.resolve();
    const seen = await take(subscriber, 7);
    assert.deepEqual(seen.map((e) => `${e.container.id}:${e.exit?.code}`), ids.map((id, i) => `${id}:${i}`));
    assert.equal(engine.maxInFlight, 2);
  });

  it("a container that exited during the resync with an event keeps that event's details, without an inspection", async () => {
    const engine = new ExitRecordingEngine();
    engine.startQuietly({ id: "a" });
    await using watcher = new Watcher(engine, IMMEDIATE);
    void watcher.watch();
    await within("watcher.ready", watcher.ready);
    const subscriber = watcher.events();
    const list = engine.holdList();
    engine.stream.break(connectionLost("cut"));
    await within("the held list to be called", list.called);
    engine.truth.delete("a");
    await engine.emit({ type: "exited", id: "a", project: "", time: 2_000, exit: { code: 3 } });
    engine.records.set("a", { code: 99, time: 1_500 });
    list.release();
    const [exited] = await take(subscriber, 1);
    assert.deepEqual(exited!.exit, { code: 3, time: new Date(2_000) });
    assert.deepEqual(engine.asked, []);
  });
});
