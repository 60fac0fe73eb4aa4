import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Fanout } from "../../lib/fanout.ts";
import { SubscriberOverflowError } from "../../lib/errors.ts";
import { within } from "../support/bounded.ts";

/** More items than any test publishes: a subscription delivering more never ends by itself. */
const MORE_THAN_PUBLISHED = 100_000;

/**
 * Reads everything a subscription delivers and how it ended (bounded: it must end, in time and in count;
 * an endless stream of ready items would starve the timer of `within`).
 */
function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  const reading = (async () => {
    try {
      for await (const item of iterable) {
        if (items.push(item) > MORE_THAN_PUBLISHED) assert.fail(`more than ${MORE_THAN_PUBLISHED} items delivered`);
      }
    } catch (error) {
      return { items, error };
    }
    return { items };
  })();
  return within("the subscription to end", reading);
}

describe("Fanout", () => {
  it("delivers published items in order to every subscriber", async () => {
    const fanout = new Fanout<number>();
    const a = fanout.subscribe({ buffer: 10 });
    const b = fanout.subscribe({ buffer: 10 });
    fanout.publish([1, 2]);
    fanout.publish([3]);
    fanout.end();
    assert.deepEqual(await drain(a), { items: [1, 2, 3] });
    assert.deepEqual(await drain(b), { items: [1, 2, 3] });
  });

  it("resolves a waiting next() as soon as an item is published", async () => {
    const fanout = new Fanout<string>();
    const sub = fanout.subscribe({ buffer: 1 });
    const next = sub.next();
    fanout.publish(["x"]);
    assert.deepEqual(await within("the waiting next()", next), { value: "x", done: false });
    await sub.return();
  });

  it("delivers initial items first, without counting them against the buffer", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 2, initial: [10, 11, 12, 13] });
    fanout.publish([1, 2]);
    fanout.end();
    assert.deepEqual(await drain(sub), { items: [10, 11, 12, 13, 1, 2] });
  });

  it("on overflow delivers what was buffered, then throws SubscriberOverflowError, then is done", async () => {
    const fanout = new Fanout<number>();
    const slow = fanout.subscribe({ buffer: 3 });
    fanout.publish([1, 2, 3, 4, 5]);
    assert.equal(fanout.size, 0, "an overflowed subscriber is unsubscribed at once");
    fanout.publish([6]);
    const { items, error } = await drain(slow);
    assert.deepEqual(items, [1, 2, 3]);
    assert.ok(error instanceof SubscriberOverflowError);
    assert.equal(error.buffer, 3);
    assert.deepEqual(await slow.next(), { value: undefined, done: true });
  });

  it("a subscriber that never reads does not hold up the publisher or the others", async () => {
    const fanout = new Fanout<number>();
    const stuck = fanout.subscribe({ buffer: 4 });
    const reader = fanout.subscribe({ buffer: 4 });
    const received: number[] = [];
    for (let i = 0; i < 100; i++) {
      fanout.publish([i]); // synchronous: returns without waiting for anybody
      const next = await within(`item ${i}`, reader.next());
      assert.equal(next.done, false);
      received.push(next.value as number);
    }
    assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(fanout.size, 1);
    assert.equal(stuck.pending, 4, "the stuck subscriber keeps only its bounded buffer");
    const { items, error } = await drain(stuck);
    assert.deepEqual(items, [0, 1, 2, 3]);
    assert.ok(error instanceof SubscriberOverflowError);
    await reader.return();
  });

  it("return() (break out of for await) unsubscribes, drops the buffer and ends pending next()s", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 10 });
    fanout.publish([1, 2]);
    assert.deepEqual(await sub.next(), { value: 1, done: false });
    assert.deepEqual(await sub.return(), { value: undefined, done: true });
    assert.equal(fanout.size, 0);
    assert.equal(sub.pending, 0);
    assert.deepEqual(await sub.next(), { value: undefined, done: true });

    const waiting = fanout.subscribe({ buffer: 10 });
    const next = waiting.next();
    await waiting.return();
    assert.deepEqual(await within("the waiting next()", next), { value: undefined, done: true });
  });

  it("aborting the signal ends the iteration quietly and removes the abort listener", async () => {
    const fanout = new Fanout<number>();
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (args[0] === "abort" && listeners++, add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (args[0] === "abort" && listeners--, remove(...args))) as typeof remove;

    const sub = fanout.subscribe({ buffer: 10, signal });
    const done = drain(sub);
    fanout.publish([1]);
    controller.abort();
    const result = await within("the drain to end", done);
    assert.equal(result.error, undefined);
    assert.equal(fanout.size, 0);
    assert.equal(listeners, 0);

    const ended = fanout.subscribe({ buffer: 10, signal: AbortSignal.abort() });
    assert.equal(ended.finished, true);
    assert.equal(fanout.size, 0);
  });

  it("a finished subscription removes its abort listener (long-lived signals do not accumulate)", async () => {
    const fanout = new Fanout<number>();
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (args[0] === "abort" && listeners++, add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (args[0] === "abort" && listeners--, remove(...args))) as typeof remove;
    for (let i = 0; i < 5; i++) {
      const sub = fanout.subscribe({ buffer: 1, signal });
      fanout.publish([1, 2]); // overflow
      await drain(sub);
    }
    const sub = fanout.subscribe({ buffer: 1, signal });
    fanout.end();
    await drain(sub);
    assert.equal(listeners, 0);
  });

  it("Symbol.asyncDispose unsubscribes", async () => {
    const fanout = new Fanout<number>();
    {
      await using sub = fanout.subscribe({ buffer: 10 });
      assert.equal(sub.finished, false);
      assert.equal(fanout.size, 1);
    }
    assert.equal(fanout.size, 0);
  });

  it("end(error) throws the error to every subscriber after its buffered items", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 10 });
    const waiting = fanout.subscribe({ buffer: 10 });
    const next = waiting.next();
    fanout.publish([]); // nothing happens
    const failure = new Error("watch failed");
    fanout.publish([7]);
    assert.deepEqual(await within("the waiting next()", next), { value: 7, done: false });
    const waitingAgain = waiting.next();
    fanout.end(failure);
    await assert.rejects(waitingAgain, (error) => error === failure);
    assert.deepEqual(await drain(sub), { items: [7], error: failure });
  });

  it("subscribing after end delivers the initial items, then ends the same way", async () => {
    const fanout = new Fanout<number>();
    fanout.end();
    assert.deepEqual(await drain(fanout.subscribe({ buffer: 1, initial: [1, 2] })), { items: [1, 2] });
    const failed = new Fanout<number>();
    const failure = new Error("gone");
    failed.end(failure);
    assert.deepEqual(await drain(failed.subscribe({ buffer: 1, initial: [1] })), { items: [1], error: failure });
  });

  it("rejects a buffer that is not a positive integer", () => {
    const fanout = new Fanout<number>();
    assert.throws(() => fanout.subscribe({ buffer: 0 }), { name: "RangeError", message: "subscriber buffer must be a positive integer, got 0" });
    assert.throws(() => fanout.subscribe({ buffer: 1.5 }), { name: "RangeError", message: "subscriber buffer must be a positive integer, got 1.5" });
  });

  it("keeps order across buffer compaction of a long backlog", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 5000 });
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 4; round++) {
      const batch = Array.from({ length: 3000 }, () => next++);
      fanout.publish(batch);
      expected.push(...batch);
      for (let i = 0; i < 2500; i++) {
        const result = await within("the next item", sub.next());
        assert.equal(result.value, expected.shift());
      }
    }
    fanout.end();
    assert.deepEqual((await drain(sub)).items, expected);
  });
  it("ended tells whether end() was called; a second end() changes nothing", async () => {
    const fanout = new Fanout<number>();
    assert.equal(fanout.ended, false);
    fanout.end();
    assert.equal(fanout.ended, true);
    fanout.end(new Error("too late"));
    assert.deepEqual(await drain(fanout.subscribe({ buffer: 1, initial: [1] })), { items: [1] }, "ends quietly, as the first end()");
  });

  it("pending counts the initial items left and the queued ones", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 10, initial: [1, 2] });
    fanout.publish([3, 4]);
    assert.equal(sub.pending, 4);
    await sub.next();
    assert.equal(sub.pending, 3);
    await sub.next();
    await sub.next();
    assert.equal(sub.pending, 1);
    fanout.publish([]);
    assert.equal(sub.pending, 1, "an empty publish queues nothing");
  });

  it("end(error) with two next() waiting: the first rejects, the second is done", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 10 });
    const first = sub.next();
    const second = sub.next();
    const failure = new Error("gone");
    fanout.end(failure);
    await assert.rejects(first, failure);
    assert.deepEqual(await within("the second next()", second), { value: undefined, done: true });
    assert.deepEqual(await sub.next(), { value: undefined, done: true }, "thrown once, then done");
    assert.equal(fanout.size, 0);
  });

  it("end() with two next() waiting: both are done, and so is the next one", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 10 });
    const first = sub.next();
    const second = sub.next();
    fanout.end();
    assert.deepEqual(await within("the first next()", first), { value: undefined, done: true });
    assert.deepEqual(await within("the second next()", second), { value: undefined, done: true });
    assert.deepEqual(await sub.next(), { value: undefined, done: true });
    assert.equal(sub.finished, true);
  });

  it("end(error) with nothing buffered and nobody waiting: the next next() throws it, once", async () => {
    const fanout = new Fanout<number>();
    const sub = fanout.subscribe({ buffer: 10 });
    const failure = new Error("gone");
    fanout.end(failure);
    assert.equal(sub.finished, false, "not finished before it told how it ended");
    await assert.rejects(sub.next(), (error) => error === failure);
    assert.deepEqual(await sub.next(), { value: undefined, done: true });
    assert.equal(sub.finished, true);
  });

  it("initial items read do not make room for more published ones; the buffer counts published items only", async () => {
    const fanout = new Fanout<string>();
    const sub = fanout.subscribe({ buffer: 2, initial: ["a", "b"] });
    assert.deepEqual(await sub.next(), { value: "a", done: false });
    fanout.publish(["1", "2"]);
    assert.equal(sub.pending, 3);
    fanout.publish(["3"]); // a third published item overflows, though an initial one was read
    assert.equal(fanout.size, 0);
    const { items, error } = await drain(sub);
    assert.deepEqual(items, ["b", "1", "2"]);
    assert.ok(error instanceof SubscriberOverflowError);

    const later = new Fanout<string>();
    const again = later.subscribe({ buffer: 2, initial: ["a"] });
    assert.deepEqual(await again.next(), { value: "a", done: false });
    later.publish(["1"]);
    assert.deepEqual(await again.next(), { value: "1", done: false });
    later.publish(["2", "3"]); // the buffer is free again: two fit
    assert.equal(later.size, 1, "no overflow with two published items buffered");
    later.publish(["4"]);
    assert.equal(later.size, 0, "the third overflows");
    assert.deepEqual((await drain(again)).items, ["2", "3"]);
  });
});
