// lib/ordered-inputs.ts: reducer inputs applied in arrival order, though some become ready later.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { OrderedInputs } from "../../lib/ordered-inputs.ts";
import type { ReducerInput } from "../../lib/reducer.ts";
import { until, within } from "../support/bounded.ts";

/** An input told apart by its time. */
const input = (time: number): ReducerInput => ({ kind: "sync-started", time });

/** A queue recording the times of the inputs it applied. */
function recording(): { queue: OrderedInputs; applied: number[] } {
  const applied: number[] = [];
  const queue = new OrderedInputs((applying) => applied.push(applying.time));
  return { queue, applied };
}

/** Whether a promise has settled, asked later. */
function settledYet(promise: Promise<unknown>): () => boolean {
  let settled = false;
  void promise.then(() => (settled = true));
  return () => settled;
}

/** Lets every promise reaction queued so far run. */
const barrier = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("OrderedInputs", () => {
  it("applies inputs that are ready at once, in order", async () => {
    const { queue, applied } = recording();
    queue.push(input(1));
    queue.push(input(2));
    assert.deepEqual(applied, [1, 2]);
    await within("applied()", queue.applied());
  });

  it("holds later inputs until a reserved place before them is filled, then applies all in order", async () => {
    const { queue, applied } = recording();
    queue.push(input(1));
    const fill = queue.reserve();
    queue.push(input(3));
    const done = settledYet(queue.applied());
    await barrier();
    assert.deepEqual(applied, [1], "3 waits behind the reserved place");
    assert.equal(done(), false, "applied() waits too");
    fill(input(2));
    assert.deepEqual(applied, [1, 2, 3]);
    await until("applied() resolved", done);
  });

  it("places filled out of order are applied in the order reserved", async () => {
    const { queue, applied } = recording();
    const first = queue.reserve();
    const second = queue.reserve();
    second(input(2));
    assert.deepEqual(applied, []);
    first(input(1));
    assert.deepEqual(applied, [1, 2]);
    await within("applied()", queue.applied());
  });

  it("a place filled with undefined applies nothing and lets the next ones through", async () => {
    const { queue, applied } = recording();
    const nothing = queue.reserve();
    queue.push(input(2));
    nothing(undefined);
    assert.deepEqual(applied, [2]);
    await within("applied()", queue.applied());
  });

  it("applied() waits for the last input queued, not an earlier one", async () => {
    const { queue, applied } = recording();
    const fills = [queue.reserve(), queue.reserve(), queue.reserve()];
    const done = settledYet(queue.applied());
    fills[0]!(input(1));
    fills[1]!(input(2));
    await barrier();
    assert.equal(done(), false, "the third is not applied yet");
    fills[2]!(input(3));
    assert.deepEqual(applied, [1, 2, 3]);
    await until("applied() resolved", done);
  });

  it("applied() resolves at once when nothing is queued", async () => {
    const { queue } = recording();
    await within("applied() of an empty queue", queue.applied());
  });

  it("after stop() nothing more is applied and waiting applied() promises resolve", async () => {
    const { queue, applied } = recording();
    queue.push(input(1));
    const fill = queue.reserve();
    queue.push(input(3));
    const waiting = queue.applied();
    queue.stop();
    await within("applied() after stop()", waiting);
    fill(input(2));
    assert.deepEqual(applied, [1], "neither the late input nor the one behind it");
    await within("applied() of the stopped, emptied queue", queue.applied());
    queue.push(input(4));
    assert.deepEqual(applied, [1], "nor one pushed later");
    await within("applied() after a push to the stopped queue", queue.applied());
    const late = queue.reserve();
    await within("applied() after a place reserved in the stopped queue", queue.applied());
    late(input(5));
    assert.deepEqual(applied, [1], "nor one filled into such a place");
  });
});
