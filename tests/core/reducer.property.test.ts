/**
 * Model-based property test of the reducer: random engine histories over a
 * few containers, observed through random interleavings of subscription,
 * list snapshot, event delivery, inspection and disconnects.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { type Container, newContainer } from "../../lib/model/container.ts";
import { Portfolio } from "../../lib/model/portfolio.ts";
import { initialState, type ReducerInput, reduce, type WatchState } from "../../lib/reducer.ts";

const IDS = ["c0", "c1", "c2", "c3"];
const ENGINE = { type: "test.io", api: "unix:///test.sock", id: "ENGINE" };
const PROJECTS = ["shop", "shop", "blog", ""];
const RUNS = Number(process.env.WW_PROPERTY_RUNS ?? 1500);

/** What the engine knows: ID → alive instance. */
type Truth = ReadonlyMap<string, { pid: number; paused: boolean }>;
type EngineEvent =
  | { type: "start" | "pause" | "unpause"; id: string }
  | { type: "die"; id: string };

interface History {
  events: EngineEvent[];
  /** truth[i] = the engine's state after the first i events. */
  truth: Truth[];
}

/** Interprets raw (container, action) pairs as a valid engine history. */
function history(ops: Array<[number, number]>, initiallyAlive: number): History {
  let pid = 1000;
  const state = new Map<string, { pid: number; paused: boolean }>();
  for (let i = 0; i < initiallyAlive; i++) state.set(IDS[i]!, { pid: ++pid, paused: false });
  const events: EngineEvent[] = [];
  const truth: Truth[] = [new Map(state)];
  const apply = (event: EngineEvent) => {
    const current = state.get(event.id);
    if (event.type === "start") state.set(event.id, { pid: ++pid, paused: false });
    else if (event.type === "die") state.delete(event.id);
    else state.set(event.id, { ...current!, paused: event.type === "pause" });
    events.push(event);
    truth.push(new Map(state));
  };
  for (const [which, action] of ops) {
    const id = IDS[which]!;
    const current = state.get(id);
    if (!current) apply({ type: "start", id });
    else if (action === 0) apply({ type: "die", id });
    else if (action === 1) apply({ type: current.paused ? "unpause" : "pause", id });
    else if (action === 2 && current.paused) apply({ type: "unpause", id });
    else { // restart: exit, then start with a new PID
      apply({ type: "die", id });
      apply({ type: "start", id });
    }
  }
  return { events, truth };
}

function containerOf(id: string, instance: { pid: number; paused: boolean }): Container {
  const index = IDS.indexOf(id);
  return newContainer({ id, name: `name-${index}`, pid: instance.pid, paused: instance.paused, project: PROJECTS[index] });
}

function listOf(truth: Truth): Container[] {
  return [...truth].map(([id, instance]) => containerOf(id, instance));
}

/** One watch session: subscribed at `from`, list taken at `listAt`, delivered before event `deliverAt`, lost at `to`. */
interface Session {
  from: number;
  to: number;
  listAt: number;
  deliverAt: number;
}

function sessionsOf(length: number, raw: Array<[number, number, number, number]>): Session[] {
  // Sorted cut points split [0, length] into alternating connected/disconnected stretches.
  const cuts = raw.flatMap(([x, y]) => [x % (length + 1), y % (length + 1)]).sort((p, q) => p - q);
  const starts = [cuts[0]!, ...cuts.slice(2).filter((_, i) => i % 2 === 1)];
  const ends = cuts.slice(1).filter((_, i) => i % 2 === 0);
  return starts.map((from, i) => {
    const to = i === starts.length - 1 ? length : Math.max(from, ends[i]!);
    const [, , list, deliver] = raw[i]!;
    return { from, to, listAt: from + (list % (to - from + 1)), deliverAt: from + (deliver % (to - from + 1)) };
  });
}

/** The inputs a watcher would feed: per session sync-started, events (inspected), the list, stream-lost. */
function inputsOf(h: History, sessions: Session[], inspectDelays: number[]): ReducerInput[] {
  const inputs: ReducerInput[] = [];
  let time = 0;
  let delay = 0;
  const end = h.events.length;
  sessions.forEach((session, n) => {
    inputs.push({ kind: "sync-started", time: ++time });
    for (let p = session.from; p <= session.to; p++) {
      if (p === session.deliverAt) inputs.push({ kind: "listed", containers: listOf(h.truth[session.listAt]!), time: ++time, engine: ENGINE });
      if (p === session.to) break;
      const event = h.events[p]!;
      if (event.type === "start") {
        // The inspection may see any later state of the engine.
        const seen = p + 1 + ((inspectDelays[delay++ % Math.max(1, inspectDelays.length)] ?? 0) % (end - p));
        const instance = h.truth[seen]!.get(event.id);
        if (instance) inputs.push({ kind: "started", container: containerOf(event.id, instance), time: ++time });
      } else if (event.type === "die") {
        const project = p % 2 === 0 ? PROJECTS[IDS.indexOf(event.id)]! : PROJECT_UNKNOWN;
        // The engine's exit code identifies the instance that died (see `replay`).
        const pid = h.truth[p]!.get(event.id)!.pid;
        inputs.push({ kind: "exited", id: event.id, project, time: ++time, exit: { code: exitCode(event.id, pid) } });
      } else {
        inputs.push({ kind: event.type === "pause" ? "paused" : "unpaused", id: event.id, time: ++time });
      }
    }
    if (n < sessions.length - 1) inputs.push({ kind: "stream-lost", time: ++time });
  });
  return inputs;
}

function summary(containers: Iterable<Container>): string[] {
  return [...containers].map((c) => `${c.id}/${c.pid}/${c.paused ? "paused" : "running"}/${c.project}`).sort();
}

/** Every exit code handed out, by container ID. */
const codes = new Map<string, Set<number>>();

/** The exit code of an instance's death: unique per instance across all containers. */
function exitCode(id: string, pid: number): number {
  const code = IDS.indexOf(id) * 1000 + (pid % 1000);
  codes.set(id, (codes.get(id) ?? new Set()).add(code));
  return code;
}

/** Applies events as a consumer would, asserting each one makes sense. */
function replay(events: LifecycleEvent[]): Portfolio {
  const portfolio = new Portfolio();
  for (const event of events) {
    const { type, container } = event;
    const known = portfolio.containerById(container.id);
    if (type === "started") {
      assert.equal(known, undefined, `second started for ${container.id} without an exit`);
      portfolio.add(container);
    } else if (type === "exited") {
      assert.equal(known?.pid, container.pid, `exited for ${container.id}, which was not started`);
      assert.ok(event.exit, `exited for ${container.id} without exit details`);
      // Unknown is allowed (an exit missed while disconnected); another container's code is not.
      // (Exit events name no instance: a die delivered after a list that already shows the
      // restart ends the new instance, with the old one's code, and the start re-adds it.)
      if (event.exit.code !== undefined) {
        assert.ok(codes.get(container.id)?.has(event.exit.code), `exit code ${event.exit.code} is none of ${container.id}'s`);
      }
      portfolio.remove(container.id);
    } else {
      assert.ok(known, `${type} for ${container.id}, which was not started`);
      assert.notEqual(known.paused, type === "paused", `${type} for ${container.id} changed nothing`);
      portfolio.setPaused(container.id, type === "paused");
    }
  }
  return portfolio;
}

const scenario = fc.record({
  ops: fc.array(fc.tuple(fc.nat(IDS.length - 1), fc.nat(3)), { minLength: 0, maxLength: 30 }),
  initiallyAlive: fc.nat(IDS.length),
  sessions: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
  inspectDelays: fc.array(fc.nat(), { maxLength: 20 }),
});

describe("reduce (model-based)", () => {
  it(`converges on the engine's truth with a consistent event stream (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(scenario, ({ ops, initiallyAlive, sessions, inspectDelays }) => {
        const h = history(ops, initiallyAlive);
        const inputs = inputsOf(h, sessionsOf(h.events.length, sessions), inspectDelays);
        let state: WatchState = initialState;
        const events: LifecycleEvent[] = [];
        for (const input of inputs) {
          const before = state;
          const step = reduce(state, input);
          state = step.state;
          events.push(...step.events);
          if (state.phase === "syncing") {
            assert.equal(state.portfolio, before.portfolio, "the published portfolio changed before the sync completed");
          }
        }
        assert.equal(state.phase, "synced");
        const truth = summary(listOf(h.truth[h.events.length]!));
        assert.deepEqual(summary(state.portfolio.allContainers()), truth, "portfolio differs from the engine");
        assert.deepEqual(summary(replay(events).allContainers()), truth, "replayed events differ from the engine");
      }),
      { numRuns: RUNS },
    );
  });
});
