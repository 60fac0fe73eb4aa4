import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { type Container, newContainer } from "../../lib/model/container.ts";
import { initialState, type ReducerInput, reduce, type WatchState } from "../../lib/reducer.ts";

const a = newContainer({ id: "a", name: "alpha", pid: 100, project: "shop" });
const b = newContainer({ id: "b", name: "beta", pid: 200 });

/** Feeds inputs in order; returns the final state and all emitted events as "type:id:pid" strings. */
function run(inputs: ReducerInput[], state: WatchState = initialState): { state: WatchState; events: string[] } {
  const events: LifecycleEvent[] = [];
  for (const input of inputs) {
    const step = reduce(state, input);
    state = step.state;
    events.push(...step.events);
  }
  return { state, events: events.map((e) => `${e.type}:${e.container.id}:${e.container.pid}`) };
}

function alive(state: WatchState): string[] {
  return [...state.portfolio.allContainers()].map((c) => `${c.id}:${c.pid}${c.paused ? ":paused" : ""}`).sort();
}

const t = 1;
const syncStarted: ReducerInput = { kind: "sync-started", time: t };
const listed = (...containers: Container[]): ReducerInput => ({ kind: "listed", containers, time: t });
const started = (container: Container): ReducerInput => ({ kind: "started", container, time: t });
const exited = (id: string): ReducerInput => ({ kind: "exited", id, project: PROJECT_UNKNOWN, time: t });
const paused = (id: string): ReducerInput => ({ kind: "paused", id, time: t });
const unpaused = (id: string): ReducerInput => ({ kind: "unpaused", id, time: t });
const lost: ReducerInput = { kind: "stream-lost", time: t };

describe("reduce", () => {
  it("publishes the first list as started events", () => {
    const { state, events } = run([syncStarted, listed(a, b)]);
    assert.equal(state.phase, "synced");
    assert.deepEqual(events, ["started:a:100", "started:b:200"]);
    assert.deepEqual(alive(state), ["a:100", "b:200"]);
  });

  it("does not revive a container that exited while the list was in flight (dead list)", () => {
    const { state, events } = run([syncStarted, exited("a"), listed(a, b)]);
    assert.deepEqual(events, ["started:b:200"]);
    assert.deepEqual(alive(state), ["b:200"]);
  });

  it("replays pause changes seen while the list was in flight", () => {
    const { state } = run([syncStarted, paused("a"), unpaused("b"), listed(a, { ...b, paused: true })]);
    assert.deepEqual(alive(state), ["a:100:paused", "b:200"]);
  });

  it("emits one started for a container reported by both the list and a start event", () => {
    assert.deepEqual(run([syncStarted, started(a), listed(a)]).events, ["started:a:100"]);
    assert.deepEqual(run([syncStarted, listed(a), started(a)]).events, ["started:a:100"]);
  });

  it("ignores events for unknown containers", () => {
    const { events } = run([syncStarted, listed(a), exited("zzz"), paused("zzz"), unpaused("zzz")]);
    assert.deepEqual(events, ["started:a:100"]);
  });

  it("turns a restart under the same ID with a new PID into exited + started", () => {
    const { events, state } = run([syncStarted, listed(a), started({ ...a, pid: 101 })]);
    assert.deepEqual(events, ["started:a:100", "exited:a:100", "started:a:101"]);
    assert.deepEqual(alive(state), ["a:101"]);
  });

  it("emits pause flips only when they change something", () => {
    const { events } = run([syncStarted, listed(a), paused("a"), paused("a"), unpaused("a")]);
    assert.deepEqual(events, ["started:a:100", "paused:a:100", "unpaused:a:100"]);
  });

  it("keeps the old portfolio readable during a resync (make-before-break)", () => {
    let { state } = run([syncStarted, listed(a, b)]);
    const published = state.portfolio;
    for (const input of [lost, syncStarted, exited("a"), started(newContainer({ id: "c", pid: 3 }))]) {
      state = reduce(state, input).state;
      assert.equal(state.portfolio, published);
      assert.deepEqual(alive(state), ["a:100", "b:200"]);
    }
  });

  it("emits only the difference after a reconnect: missed exits, new starts, pause flips", () => {
    const c = newContainer({ id: "c", pid: 300 });
    const { events, state } = run([
      syncStarted,
      listed(a, b, c),
      lost,
      syncStarted,
      listed({ ...a, paused: true }, { ...b, pid: 201 }, newContainer({ id: "d", pid: 400 })),
    ]);
    assert.deepEqual(events.slice(3), ["exited:b:200", "exited:c:300", "paused:a:100", "started:b:201", "started:d:400"]);
    assert.deepEqual(alive(state), ["a:100:paused", "b:201", "d:400"]);
  });

  it("gives a resync's events the engine times of the transitions replayed during it, the list's time otherwise", () => {
    const c = newContainer({ id: "c", pid: 300 });
    const d = newContainer({ id: "d", pid: 400 });
    const steps: ReducerInput[] = [
      syncStarted,
      listed(a, b, c),
      lost,
      { kind: "sync-started", time: 10 },
      { kind: "exited", id: "a", project: "shop", time: 11 },
      { kind: "paused", id: "b", time: 12 },
      { kind: "exited", id: "c", project: PROJECT_UNKNOWN, time: 13 },
      { kind: "started", container: { ...c, pid: 301 }, time: 14 },
      { kind: "listed", containers: [b, { ...c, pid: 301 }, d], time: 20 },
    ];
    let state = initialState;
    const events: string[] = [];
    for (const input of steps) {
      const step = reduce(state, input);
      state = step.state;
      events.push(...step.events.map((e) => `${e.type}:${e.container.id}:${e.container.pid}@${e.time.getTime()}`));
    }
    assert.deepEqual(events.slice(3), [
      "exited:a:100@11",
      "exited:c:300@13",
      "paused:b:200@12",
      "started:c:301@14",
      "started:d:400@20",
    ]);
  });

  it("ignores events while no sync is in progress", () => {
    const { state, events } = run([started(a), syncStarted, listed(), lost, started(b), exited("a")]);
    assert.deepEqual(events, []);
    assert.equal(state.phase, "lost");
  });

  it("never modifies its input state", () => {
    const first = run([syncStarted, listed(a)]).state;
    const frozen = alive(first);
    run([exited("a"), started(b), paused("b")], first);
    assert.deepEqual(alive(first), frozen);
  });
});
