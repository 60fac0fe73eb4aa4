import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { type Container, newContainer } from "../../lib/model/container.ts";
import { initialState, type ReducerInput, reduce, unexplainedExits, type WatchState } from "../../lib/reducer.ts";

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
const ENGINE = Object.freeze({ type: "test.io", api: "unix:///test.sock", id: "ENGINE-1" });
const listed = (...containers: Container[]): ReducerInput => ({ kind: "listed", containers, time: t, engine: ENGINE });
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
      { kind: "listed", containers: [b, { ...c, pid: 301 }, d], time: 20, engine: ENGINE },
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

  it("goes idle → syncing → synced, and lost only once it had started: a loss before any sync stays idle", () => {
    assert.equal(initialState.phase, "idle");
    assert.equal(reduce(initialState, lost).state.phase, "idle");
    const syncing = reduce(initialState, syncStarted).state;
    assert.equal(syncing.phase, "syncing");
    assert.equal(reduce(syncing, lost).state.phase, "lost");
    const synced = run([syncStarted, listed(a)]).state;
    assert.equal(synced.phase, "synced");
    assert.equal(reduce(synced, lost).state.phase, "lost");
  });

  it("hands back the very same state for an input that changes nothing", () => {
    const { state } = run([syncStarted, listed(a)]);
    for (const input of [started(a), exited("zzz"), paused("zzz"), unpaused("a")]) {
      const step = reduce(state, input);
      assert.equal(step.state, state, input.kind);
      assert.deepEqual(step.events, []);
    }
  });

  it("matches event IDs against container IDs only, never against a container's name", () => {
    // b is named "beta": events for an unknown ID "beta" must leave it alone, synced or during a sync.
    const synced = run([syncStarted, listed(a, b), paused("beta"), exited("beta")]);
    assert.deepEqual(synced.events, ["started:a:100", "started:b:200"]);
    assert.deepEqual(alive(synced.state), ["a:100", "b:200"]);
    const resync = run([syncStarted, listed(a, b), lost, syncStarted, started(b), paused("beta"), exited("alpha"), listed(a, b)]);
    assert.deepEqual(resync.events, ["started:a:100", "started:b:200"]);
    assert.deepEqual(alive(resync.state), ["a:100", "b:200"]);
    // b started during the sync, later than the list: an exit of the unknown ID "beta" does not remove it.
    const seen = run([syncStarted, listed(a), lost, syncStarted, started(b), exited("beta"), listed(a)]);
    assert.deepEqual(seen.events, ["started:a:100", "started:b:200"]);
    assert.deepEqual(alive(seen.state), ["a:100", "b:200"]);
  });

  it("never modifies its input state", () => {
    const first = run([syncStarted, listed(a)]).state;
    const frozen = alive(first);
    run([exited("a"), started(b), paused("b")], first);
    assert.deepEqual(alive(first), frozen);
  });
});

/** Feeds inputs in order; returns the final state and every emitted event. */
function events(inputs: ReducerInput[], state: WatchState = initialState): { state: WatchState; events: LifecycleEvent[] } {
  const all: LifecycleEvent[] = [];
  for (const input of inputs) {
    const step = reduce(state, input);
    state = step.state;
    all.push(...step.events);
  }
  return { state, events: all };
}

describe("reduce: engine identity", () => {
  it("stamps every event with the identity of the sync's listed input, and a resync's new identity on what follows", () => {
    const other = { type: "test.io", api: "unix:///test.sock", id: "ENGINE-2" };
    const { state, events: all } = events([
      syncStarted,
      listed(a),
      started(b),
      paused("b"),
      exited("a"),
      lost,
      syncStarted,
      { kind: "listed", containers: [{ ...b, paused: true }, newContainer({ id: "c", pid: 3 })], time: 5, engine: other },
      unpaused("b"),
    ]);
    assert.deepEqual(all.map((e) => `${e.type}:${e.container.id}:${e.engine.id}`), [
      "started:a:ENGINE-1",
      "started:b:ENGINE-1",
      "paused:b:ENGINE-1",
      "exited:a:ENGINE-1",
      "started:c:ENGINE-2",
      "unpaused:b:ENGINE-2",
    ]);
    assert.deepEqual(all[0]!.engine, ENGINE);
    assert.equal(state.engine, other);
  });

  it("keeps the published identity while a resync is in progress or lost", () => {
    let { state } = events([syncStarted, listed(a)]);
    for (const input of [lost, syncStarted, exited("a")]) {
      state = reduce(state, input).state;
      assert.equal(state.engine, ENGINE);
    }
  });

  it("has no identity before the first sync", () => {
    assert.deepEqual(initialState.engine, { type: "", api: "", id: "" });
  });
});

describe("reduce: exit details", () => {
  const exitWith = (id: string, time: number, exit: { code?: number; oom?: boolean }): ReducerInput => ({
    kind: "exited",
    id,
    project: PROJECT_UNKNOWN,
    time,
    exit,
  });
  const details = (e: LifecycleEvent | undefined) => ({
    time: e?.time.getTime(),
    exit: e?.exit && { ...e.exit, ...(e.exit.time ? { time: e.exit.time.getTime() } : {}) },
  });

  it("an exit event while synced carries the engine's code, OOM flag and exit time", () => {
    const { events: all } = events([syncStarted, listed(a, b), exitWith("a", 50, { code: 137, oom: true }), exitWith("b", 60, { code: 0 })]);
    assert.deepEqual(all.slice(2).map(details), [
      { time: 50, exit: { code: 137, oom: true, time: 50 } },
      { time: 60, exit: { code: 0, time: 60 } },
    ]);
  });

  it("an exit without details from the engine says only its time; oom: false is dropped (engines report kills, not their absence)", () => {
    const { events: all } = events([syncStarted, listed(a, b), exitWith("a", 50, {}), exitWith("b", 51, { code: 1, oom: false })]);
    assert.deepEqual(all.slice(2).map(details), [{ time: 50, exit: { time: 50 } }, { time: 51, exit: { code: 1, time: 51 } }]);
  });

  it("an exit event seen during a resync gives the diff's exit its details, ahead of an inspection's", () => {
    const { events: all } = events([
      syncStarted,
      listed(a, b),
      lost,
      { kind: "sync-started", time: 10 },
      exitWith("a", 11, { code: 3 }),
      {
        kind: "listed",
        containers: [b],
        time: 20,
        engine: ENGINE,
        exits: new Map([["a", { code: 99, time: 15 }]]),
      },
    ]);
    assert.deepEqual(all.slice(2).map(details), [{ time: 11, exit: { code: 3, time: 11 } }]);
  });

  it("an exit found only by the diff takes code, OOM and time from the inspection; the event time is the exit time", () => {
    const { events: all } = events([
      syncStarted,
      listed(a, b),
      lost,
      syncStarted,
      { kind: "listed", containers: [], time: 20, engine: ENGINE, exits: new Map([["a", { code: 137, oom: true, time: 15 }]]) },
    ]);
    assert.deepEqual(all.slice(2).map(details), [
      { time: 15, exit: { code: 137, oom: true, time: 15 } },
      { time: 20, exit: {} },
    ]);
  });

  it("an inspection that knows no exit time gives the exit no time; the event takes the list's time", () => {
    const { events: all } = events([
      syncStarted,
      listed(a),
      lost,
      syncStarted,
      { kind: "listed", containers: [], time: 20, engine: ENGINE, exits: new Map([["a", { code: 2 }]]) },
    ]);
    assert.deepEqual(all.slice(1).map(details), [{ time: 20, exit: { code: 2 } }]);
    assert.equal("time" in all[1]!.exit!, false);
  });

  it("an inspection's details do not apply to a container that is alive again under the same ID", () => {
    const { events: all } = events([
      syncStarted,
      listed(a),
      lost,
      syncStarted,
      { kind: "listed", containers: [{ ...a, pid: 101 }], time: 20, engine: ENGINE, exits: new Map([["a", { code: 1, time: 15 }]]) },
    ]);
    assert.deepEqual(all.slice(1).map((e) => `${e.type}:${e.container.pid}`), ["exited:100", "started:101"]);
    assert.deepEqual(details(all[1]), { time: 20, exit: {} });
  });

  it("a restart seen as a start with a new PID leaves the old instance's exit unknown", () => {
    const { events: all } = events([syncStarted, listed(a), { kind: "started", container: { ...a, pid: 101 }, time: 30 }]);
    assert.deepEqual(details(all[1]), { time: 30, exit: {} });
    assert.equal(all[1]!.type, "exited");
  });

  it("a restart during a resync keeps the details of the exit event seen during it", () => {
    const { events: all } = events([
      syncStarted,
      listed(a),
      lost,
      syncStarted,
      exitWith("a", 11, { code: 143 }),
      { kind: "started", container: { ...a, pid: 101 }, time: 12 },
      { kind: "listed", containers: [{ ...a, pid: 101 }], time: 20, engine: ENGINE },
    ]);
    assert.deepEqual(all.slice(1).map((e) => `${e.type}:${e.container.pid}`), ["exited:100", "started:101"]);
    assert.deepEqual(details(all[1]), { time: 11, exit: { code: 143, time: 11 } });
  });

  it("started, paused and unpaused events carry no exit", () => {
    const { events: all } = events([syncStarted, listed(a), paused("a"), started(b)]);
    assert.ok(all.every((e) => e.exit === undefined));
  });
});

describe("unexplainedExits", () => {
  it("names the published containers the list drops without an exit or start seen during the sync", () => {
    const c = newContainer({ id: "c", pid: 300 });
    const d = newContainer({ id: "d", pid: 400 });
    let { state } = events([syncStarted, listed(a, b, c, d)]);
    assert.deepEqual(unexplainedExits(state, []), [], "no sync in progress");
    state = events([lost, syncStarted, exited("b"), started({ ...c, pid: 301 })], state).state;
    assert.deepEqual(unexplainedExits(state, [d]), ["a"]);
    assert.deepEqual(unexplainedExits(state, [a, d]), []);
  });

  it("names them sorted by ID", () => {
    const many = ["k", "e", "x", "b", "q", "a", "m", "z", "c"].map((id, i) => newContainer({ id, pid: 10 + i }));
    let { state } = events([syncStarted, listed(...many)]);
    state = events([lost, syncStarted], state).state;
    assert.deepEqual(unexplainedExits(state, []), ["a", "b", "c", "e", "k", "m", "q", "x", "z"]);
  });
});

describe("reduce: exits that name their instance (PID)", () => {
  const a2 = newContainer({ id: "a", name: "alpha", pid: 101, project: "shop" });
  const exitedPid = (id: string, pid: number): ReducerInput => ({ kind: "exited", id, project: PROJECT_UNKNOWN, time: t, pid });

  it("while synced, a late exit of the instance before a restart leaves the new instance alone", () => {
    const { state, events } = run([syncStarted, listed(a), started(a2), exitedPid("a", 100), exitedPid("a", 101)]);
    assert.deepEqual(events, ["started:a:100", "exited:a:100", "started:a:101", "exited:a:101"]);
    assert.deepEqual(alive(state), []);
    const stale = run([syncStarted, listed(a), started(a2), exitedPid("a", 100)]);
    assert.deepEqual(stale.events, ["started:a:100", "exited:a:100", "started:a:101"]);
    assert.deepEqual(alive(stale.state), ["a:101"]);
  });

  it("during a sync, a late exit of an earlier instance neither removes the newer one seen nor one the list shows", () => {
    const seen = run([syncStarted, listed(a), syncStarted, started(a2), exitedPid("a", 100), listed(a2)]);
    assert.deepEqual(alive(seen.state), ["a:101"]);
    assert.deepEqual(seen.events, ["started:a:100", "exited:a:100", "started:a:101"]);
    // A resync whose list already shows the restarted instance, with the old exit still in the stream.
    const listedNew = run([syncStarted, listed(a), syncStarted, exitedPid("a", 100), listed(a2)]);
    assert.deepEqual(alive(listedNew.state), ["a:101"]);
    assert.deepEqual(listedNew.events, ["started:a:100", "exited:a:100", "started:a:101"]);
  });

  it("during a sync, a late exit of an earlier instance keeps the newer one seen even when the list is older still", () => {
    // The list was taken before the restart: it shows the old instance, whose exit came during the sync.
    const { state, events } = run([syncStarted, listed(a), lost, syncStarted, started(a2), exitedPid("a", 100), listed(a)]);
    assert.deepEqual(alive(state), ["a:101"]);
    assert.deepEqual(events, ["started:a:100", "exited:a:100", "started:a:101"]);
  });

  it("during a sync, the exit of the instance the list shows keeps it out (and a stale list cannot revive it)", () => {
    const { state, events } = run([syncStarted, listed(), syncStarted, started(a), exitedPid("a", 100), listed(a)]);
    assert.deepEqual(alive(state), []);
    assert.deepEqual(events, []);
  });

  it("a dropped container whose exit came during the sync is not inspected again", () => {
    const { state } = run([syncStarted, listed(a), syncStarted, exitedPid("a", 100)]);
    assert.deepEqual(unexplainedExits(state, []), []);
    const other = run([syncStarted, listed(a), syncStarted, exitedPid("a", 99)]);
    assert.deepEqual(unexplainedExits(other.state, []), ["a"]);
  });
});
