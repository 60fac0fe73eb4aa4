// lib/async: linked signals, deferreds, abortable waits and the bounded concurrent map.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { deferred } from "../../lib/async/deferred.ts";
import { mapConcurrent } from "../../lib/async/pool.ts";
import { linkSignals } from "../../lib/async/signals.ts";
import { abortable, sleep } from "../../lib/async/wait.ts";
import { within } from "../support/bounded.ts";

/** Counts the abort listeners currently registered on a signal (by wrapping its own methods). */
function listenerCount(signal: AbortSignal): () => number {
  const live = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, fn: EventListenerOrEventListenerObject, opts?: AddEventListenerOptions) => {
    if (type === "abort") live.add(fn);
    add(type, fn, opts);
  }) as AbortSignal["addEventListener"];
  signal.removeEventListener = ((type: string, fn: EventListenerOrEventListenerObject, opts?: EventListenerOptions) => {
    if (type === "abort") live.delete(fn);
    remove(type, fn, opts);
  }) as AbortSignal["removeEventListener"];
  // a fired `once` listener is gone too
  add("abort", () => live.clear());
  return () => live.size;
}

/** What happened to the timers set while a function ran. */
interface TimerRecord<T> {
  result: PromiseSettledResult<T>;
  /** The delays of the timers set, in order. */
  set: (number | undefined)[];
  /** How many fired. */
  fired: number;
  /** How many were cleared before firing. */
  cleared: number;
  /** How many neither fired nor were cleared. */
  pending: number;
}

/** Records timers set, fired and cleared while `fn` runs (global setTimeout/clearTimeout wrapped). */
async function watchTimers<T>(fn: () => Promise<T>): Promise<TimerRecord<T>> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const pending = new Set<unknown>();
  const set: (number | undefined)[] = [];
  let fired = 0;
  let cleared = 0;
  globalThis.setTimeout = ((cb: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle: unknown = realSet(() => {
      pending.delete(handle);
      fired++;
      cb(...args);
    }, ms);
    pending.add(handle);
    set.push(ms);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    if (pending.delete(handle)) cleared++;
    realClear(handle);
  }) as typeof clearTimeout;
  try {
    const [result] = await Promise.allSettled([fn()]);
    return { result: result!, set, fired, cleared, pending: pending.size };
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

describe("linkSignals", () => {
  it("aborts with the reason of whichever parent aborts", () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkSignals(a.signal, undefined, b.signal);
    assert.equal(link.signal.aborted, false);
    b.abort("from b");
    assert.equal(link.signal.aborted, true);
    assert.equal(link.signal.reason, "from b");
    a.abort("from a");
    assert.equal(link.signal.reason, "from b", "the first reason stays");
  });

  it("starts aborted (with the reason) when a parent already is, and registers no listener", () => {
    const a = new AbortController();
    const count = listenerCount(a.signal);
    const done = new AbortController();
    done.abort("already");
    const link = linkSignals(a.signal, done.signal);
    assert.equal(link.signal.aborted, true);
    assert.equal(link.signal.reason, "already");
    assert.equal(count(), 0, "listeners on the live parent are removed at once");
  });

  it("abort() aborts the link only, not the parents", () => {
    const a = new AbortController();
    const link = linkSignals(a.signal);
    const reason = new Error("own");
    link.abort(reason);
    assert.equal(link.signal.reason, reason);
    assert.equal(a.signal.aborted, false);
  });

  it("dispose() removes its listeners from every parent and the link keeps its state", () => {
    const a = new AbortController();
    const b = new AbortController();
    const countA = listenerCount(a.signal);
    const countB = listenerCount(b.signal);
    const link = linkSignals(a.signal, b.signal);
    assert.equal(countA(), 1);
    assert.equal(countB(), 1);
    link.dispose();
    assert.equal(countA(), 0);
    assert.equal(countB(), 0);
    a.abort("late");
    assert.equal(link.signal.aborted, false, "an unlinked parent no longer aborts the link");
    link.dispose(); // twice is harmless
  });

  it("many links on one long-lived parent leave no listeners behind once disposed", () => {
    const parent = new AbortController();
    const count = listenerCount(parent.signal);
    for (let i = 0; i < 100; i++) linkSignals(parent.signal)[Symbol.dispose]();
    assert.equal(count(), 0);
  });
});

describe("deferred", () => {
  it("resolves once; later calls are ignored; settled says so", async () => {
    const d = deferred<number>();
    assert.equal(d.settled, false);
    d.resolve(1);
    d.resolve(2);
    d.reject(new Error("late"));
    assert.equal(d.settled, true);
    assert.equal(await d.promise, 1);
  });

  it("rejects with the reason", async () => {
    const d = deferred<number>();
    const reason = new Error("no");
    d.reject(reason);
    assert.equal(d.settled, true);
    await assert.rejects(d.promise, (e) => e === reason);
  });

  it("handled: a rejection nobody awaits is no unhandled rejection, and awaiting it still throws", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      const d = deferred<void>({ handled: true });
      const reason = new Error("nobody listens");
      d.reject(reason);
      await sleep(20);
      assert.deepEqual(unhandled, []);
      await assert.rejects(d.promise, (e) => e === reason);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("sleep", () => {
  it("resolves when its timer of the given delay fires, and leaves neither timer nor listener", async () => {
    const stop = new AbortController();
    const count = listenerCount(stop.signal);
    const timers = await watchTimers(() => sleep(30, stop.signal));
    assert.equal(timers.result.status, "fulfilled");
    assert.deepEqual(timers.set, [30], "one timer of the given delay");
    assert.equal(timers.fired, 1, "it resolved by its timer firing");
    assert.equal(timers.pending, 0);
    assert.equal(count(), 0);
  });

  it("rejects with the abort reason at once, clearing its timer and listener", async () => {
    const stop = new AbortController();
    const count = listenerCount(stop.signal);
    const reason = new Error("stop");
    const timers = await watchTimers(() => {
      const waiting = sleep(60_000, stop.signal);
      stop.abort(reason);
      return waiting;
    });
    assert.equal(timers.result.status, "rejected");
    assert.equal((timers.result as PromiseRejectedResult).reason, reason);
    assert.deepEqual(timers.set, [60_000]);
    assert.equal(timers.fired, 0, "it did not wait for the timer");
    assert.equal(timers.cleared, 1, "the 60 s timer was cleared");
    assert.equal(timers.pending, 0);
    assert.equal(count(), 0);
  });

  it("rejects without setting a timer when the signal is already aborted", async () => {
    const stop = new AbortController();
    stop.abort("before");
    const timers = await watchTimers(() => sleep(60_000, stop.signal));
    assert.equal(timers.result.status, "rejected");
    assert.equal((timers.result as PromiseRejectedResult).reason, "before");
    assert.deepEqual(timers.set, []);
  });
});

describe("abortable", () => {
  it("settles like the promise and removes its listener", async () => {
    const stop = new AbortController();
    const count = listenerCount(stop.signal);
    assert.equal(await abortable(Promise.resolve(7), stop.signal), 7);
    assert.equal(count(), 0);
    const reason = new Error("inner");
    await assert.rejects(abortable(Promise.reject(reason), stop.signal), (e) => e === reason);
    assert.equal(count(), 0);
  });

  it("rejects with the abort reason while the promise is still pending", async () => {
    const stop = new AbortController();
    const never = deferred<number>();
    const waiting = abortable(never.promise, stop.signal);
    stop.abort("enough");
    await assert.rejects(within("abortable settled", waiting), (e) => e === "enough");
    never.reject(new Error("ignored later")); // must not become an unhandled rejection
    await sleep(10);
  });

  it("rejects at once on an aborted signal; without a signal it is the promise itself", async () => {
    const stop = new AbortController();
    stop.abort("before");
    const inner = deferred<number>();
    await assert.rejects(abortable(inner.promise, stop.signal), (e) => e === "before");
    const p = Promise.resolve(1);
    assert.equal(abortable(p, undefined), p);
  });
});

describe("mapConcurrent", () => {
  it("returns results in input order, whatever order the calls finish in", async () => {
    const delays = [40, 5, 25, 0, 15, 30];
    const finished: number[] = [];
    const results = await mapConcurrent(delays, 3, async (ms) => {
      await sleep(ms);
      finished.push(ms);
      return ms * 2;
    });
    assert.deepEqual(results, delays.map((ms) => ms * 2));
    assert.notDeepEqual(finished, delays, "the calls did finish out of order");
  });

  it("keeps at most `limit` calls in flight and reaches the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    await mapConcurrent(Array.from({ length: 20 }, (_, i) => i), 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(i % 3);
      inFlight--;
    });
    assert.equal(peak, 4);
    assert.equal(inFlight, 0);
  });

  it("an empty list gives an empty result; a bad limit throws", async () => {
    assert.deepEqual(await mapConcurrent([], 3, async () => 1), []);
    await assert.rejects(mapConcurrent([1], 0, async () => 1), RangeError);
    await assert.rejects(mapConcurrent([1], 1.5, async () => 1), RangeError);
  });

  it("the first failure aborts the running calls, starts no new one, and rejects after all started calls settled", async () => {
    const boom = new Error("boom");
    const started: number[] = [];
    const settled: number[] = [];
    const reasons: unknown[] = [];
    const run = mapConcurrent([0, 1, 2, 3, 4, 5, 6, 7], 3, async (i, signal) => {
      started.push(i);
      try {
        if (i === 1) {
          await sleep(5);
          throw boom;
        }
        await sleep(10_000, signal);
        return i;
      } catch (e) {
        if (i !== 1) reasons.push(e);
        throw e;
      } finally {
        settled.push(i);
      }
    });
    await assert.rejects(within("mapConcurrent settled", run), (e) => e === boom);
    assert.deepEqual(started.sort(), [0, 1, 2], "no call started after the failure");
    assert.deepEqual(settled.sort(), [0, 1, 2], "every started call had settled when the map rejected");
    assert.deepEqual(reasons, [boom, boom], "the others saw the failure as their abort reason");
  });

  it("an outer abort reaches every call and the map rejects with its reason", async () => {
    const stop = new AbortController();
    const reason = new Error("outer");
    const seen: unknown[] = [];
    const started: number[] = [];
    const run = mapConcurrent([0, 1, 2, 3], 2, async (i, signal) => {
      started.push(i);
      try {
        await sleep(10_000, signal);
      } catch (e) {
        seen.push(e);
        throw e;
      }
    }, stop.signal);
    await sleep(5);
    stop.abort(reason);
    await assert.rejects(within("mapConcurrent settled", run), (e) => e === reason);
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(seen, [reason, reason]);
  });

  it("leaves no listener on the outer signal, whether it succeeds or fails", async () => {
    const stop = new AbortController();
    const count = listenerCount(stop.signal);
    await mapConcurrent([1, 2, 3], 2, async (n) => n, stop.signal);
    assert.equal(count(), 0);
    await assert.rejects(mapConcurrent([1, 2, 3], 2, async () => {
      throw new Error("x");
    }, stop.signal));
    assert.equal(count(), 0);
  });
});
