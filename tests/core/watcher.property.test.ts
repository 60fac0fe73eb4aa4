/**
 * Model-based property test of the whole watcher against the scripted fake
 * engine: random engine histories (start, restart, exit, pause, unpause) with
 * random interleavings of stream breaks, failed and held lists and
 * subscriptions, held, failing and out-of-order inspects, and scheduling turns, on engines that replay
 * every missed event, none (events lost across a reconnect: only the resync diff can account for them) or
 * only the newest few (dockerd keeps 256; the property keeps fewer so that histories overflow it). After
 * everything settles:
 * - the watcher's portfolio equals the engine's truth;
 * - replaying a subscriber's events (with `initial`, the first picture) gives the same portfolio;
 * - every event is a real transition: no `started` for an alive container, no `exited` for an unknown
 *   one, no `paused` for a paused one, no `unpaused` for a running one;
 * - nothing is emitted twice: no instance (ID and PID) starts or exits twice;
 * - event times never go backwards for one container.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Watcher } from "../../lib/watcher.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import type { Container } from "../../lib/model/container.ts";
import type { ReadonlyPortfolio } from "../../lib/model/portfolio.ts";
import { connectionLost, FakeEngine, settled } from "../support/fake-engine.ts";
import { until } from "../support/bounded.ts";
import { checkProperty } from "../support/property.ts";
import type { HeldInspect, HeldList } from "../support/fake-engine.ts";

const IDS = 5;
/** Operations per history (explicit: fast-check's default size would cap arrays at 10). */
const MAX_OPS = 60;
const RUNS = 400;
/** Replay modes: all missed events, none, or the newest few (a bounded buffer that these histories overflow). */
const replayArbitrary: fc.Arbitrary<"all" | "none" | number> = fc.oneof(
  fc.constantFrom("all" as const, "none" as const),
  fc.integer({ min: 1, max: 6 }),
);
const id = fc.integer({ min: 0, max: IDS - 1 }).map((n) => `c${n}`);

type Op =
  | { op: "start"; id: string; project: string }
  | { op: "exit" | "pause" | "unpause"; id: string }
  | { op: "break" | "end" | "holdList" | "releaseList" | "failList" | "failSubscription" | "confirm" | "tick" }
  | { op: "holdInspects" | "holdSubscriptions"; on: boolean }
  | { op: "releaseInspect"; pick: number; gone: boolean }
  | { op: "releaseListTorn"; newer: number }
  | { op: "failInspect"; pick: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("start" as const), id, project: fc.constantFrom("", "p", "q") }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("exit" as const, "pause" as const, "unpause" as const), id }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("break" as const, "end" as const, "tick" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("holdList" as const, "releaseList" as const, "failList" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("failSubscription" as const, "confirm" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constantFrom("holdInspects" as const, "holdSubscriptions" as const), on: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("failInspect" as const), pick: fc.nat() }) },
  // A list that is not atomic: containers died and started while it ran (a bit per ID: which it saw late).
  { weight: 1, arbitrary: fc.record({ op: fc.constant("releaseListTorn" as const), newer: fc.nat(127) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("releaseInspect" as const), pick: fc.nat(), gone: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("tick" as const) }) },
);

const describeContainer = (c: Container): string => `${c.id}/${c.pid}/${c.project}/${c.paused ? "paused" : "running"}`;
const picture = (containers: Iterable<Container>): string[] => [...containers].map(describeContainer).sort();
const portfolioPicture = (portfolio: ReadonlyPortfolio): string[] => picture(portfolio.allContainers());

interface Scenario {
  readonly holdInspects: boolean;
  readonly replay: "all" | "none" | number;
  readonly ops: Op[];
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  holdInspects: fc.boolean(),
  replay: replayArbitrary,
  ops: fc.array(opArbitrary, { minLength: 0, maxLength: MAX_OPS, size: "max" }),
});

/** Alive before the watch and never touched: a resync must leave them alone (nothing emitted twice). */
const BYSTANDERS = ["b0", "b1"];

/**
 * Checks the event stream: real transitions only, nothing twice, times monotonic per instance; returns the
 * replayed picture. `restarted` IDs had more than one instance: an inspect of an older instance's start
 * event may answer with the next one (the engine inspects by ID), and an exit event older than a list
 * that already showed the next instance is taken for that instance (the fake's exits carry no exit code
 * to tell them apart), so the watcher can report that instance twice and stamp its exit earlier than its
 * start, as the reducer's property test documents; for them only the state checks apply.
 */
function replay(events: readonly LifecycleEvent[], restarted: ReadonlySet<string>): Container[] {
  const replayed = new Map<string, Container>();
  const started = new Set<string>();
  const exited = new Set<string>();
  const lastTime = new Map<string, number>();
  for (const event of events) {
    const { container } = event;
    const known = replayed.get(container.id);
    const instance = `${container.id}/${container.pid}`;
    const time = event.time.getTime();
    const once = !restarted.has(container.id);
    const before = lastTime.get(instance);
    assert.ok(!once || before === undefined || time >= before, `${event.type} of ${instance} goes back in time: ${time} < ${before}`);
    lastTime.set(instance, time);
    switch (event.type) {
      case "started":
        assert.equal(known, undefined, `started for alive ${container.id}`);
        assert.ok(!(once && started.has(instance)), `${instance} started twice`);
        started.add(instance);
        replayed.set(container.id, container);
        break;
      case "exited":
        assert.ok(known, `exited for unknown ${container.id}`);
        assert.equal(known.pid, container.pid, `exited names another instance than the alive ${container.id}`);
        assert.ok(!(once && exited.has(instance)), `${instance} exited twice`);
        exited.add(instance);
        replayed.delete(container.id);
        break;
      case "paused":
      case "unpaused":
        assert.ok(known, `${event.type} for unknown ${container.id}`);
        assert.equal(known.paused, event.type === "unpaused", `${event.type} without a flip of ${container.id}`);
        assert.equal(container.paused, event.type === "paused");
        replayed.set(container.id, container);
        break;
    }
  }
  return [...replayed.values()];
}

async function run({ holdInspects, replay: replayMode, ops }: Scenario): Promise<void> {
  const engine = new FakeEngine({ replay: replayMode, clock: "wall" });
  engine.holdInspects(holdInspects);
  engine.startQuietly({ id: "c0" });
  engine.startQuietly({ id: "c1", project: "p", paused: true });
  for (const bystander of BYSTANDERS) engine.startQuietly({ id: bystander, project: "p" });
  const instances = new Map<string, number>([["c0", 1], ["c1", 1]]);
  const lists: HeldList[] = [];
  const released = new Set<HeldInspect>();
  const watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0 }, inspectConcurrency: 3 });
  const subscriber = watcher.events({ initial: true, buffer: 100_000 });
  const watching = watcher.watch();
  try {
    for (const op of ops) {
      const alive = "id" in op ? engine.truth.get(op.id) : undefined;
      switch (op.op) {
        case "start":
          if (alive) void engine.exit(op.id); // a restart: the old instance dies first
          void engine.start({ id: op.id, project: op.project });
          instances.set(op.id, (instances.get(op.id) ?? 0) + 1);
          break;
        case "exit":
          if (alive) void engine.exit(op.id);
          break;
        case "pause":
          if (alive && !alive.paused) void engine.pause(op.id);
          break;
        case "unpause":
          if (alive?.paused) void engine.unpause(op.id);
          break;
        case "break":
          if (engine.streams.length > 0) engine.stream.break();
          break;
        case "end":
          if (engine.streams.length > 0) engine.stream.end();
          break;
        case "holdList":
          lists.push(engine.holdList());
          break;
        case "releaseList":
          lists.shift()?.release();
          break;
        case "releaseListTorn":
          lists.shift()?.release((id) => (op.newer >> (Number(id.slice(1)) + (id[0] === "b" ? IDS : 0)) & 1) === 1);
          break;
        case "failList":
          engine.failLists(1);
          break;
        case "failSubscription":
          engine.failSubscriptions(1);
          break;
        case "holdSubscriptions":
          engine.holdSubscriptions(op.on);
          break;
        case "confirm":
          for (const stream of engine.streams) stream.confirmSubscription();
          break;
        case "holdInspects":
          engine.holdInspects(op.on);
          break;
        case "failInspect": {
          const pending = (await engine.inspected(0)).filter((held) => !released.has(held));
          const held = pending[op.pick % Math.max(1, pending.length)];
          if (held) {
            released.add(held);
            held.fail(connectionLost("inspect failed"));
          }
          break;
        }
        case "releaseInspect": {
          const pending = (await engine.inspected(0)).filter((held) => !released.has(held));
          const held = pending[op.pick % Math.max(1, pending.length)];
          if (held) {
            released.add(held);
            // Either the truth as of the call, or "gone" — as if it died before the engine answered
            // (then its exit event follows, or already came).
            if (op.gone && !engine.truth.has(held.id)) held.release(null);
            else held.release();
          }
          break;
        }
        case "tick":
          await settled();
          break;
      }
    }

    // Let everything through and wait until the watcher is synced on an open, drained stream.
    engine.holdInspects(false);
    engine.holdSubscriptions(false);
    for (const stream of engine.streams) stream.confirmSubscription();
    for (const held of await engine.inspected(0)) held.release();
    for (const list of lists) list.release();
    // Check only after a barrier: a loss still travelling through promise
    // reactions would otherwise look like a quiet, synced watcher.
    await settled();
    await until(
      "the watcher synced on an open, drained stream",
      () => watcher.phase === "synced" && engine.stream.open && engine.stream.drained,
      () => `phase ${watcher.phase}`,
    );

    assert.deepEqual(portfolioPicture(watcher.portfolio), picture(engine.truth.values()), "portfolio = engine truth");

    const events: LifecycleEvent[] = [];
    for (let pending = subscriber.pending; pending > 0; pending--) {
      events.push((await subscriber.next()).value as LifecycleEvent);
    }
    assert.deepEqual(picture(replay(events, new Set([...instances].filter(([, n]) => n > 1).map(([id]) => id)))), portfolioPicture(watcher.portfolio), "replayed events = portfolio");
  } finally {
    await watcher.close();
    await watching;
  }
}

describe("Watcher: model-based", () => {
  it(`converges with a consistent event stream under random histories, interleavings and replay limits (${RUNS} cases)`, {
    timeout: 300_000,
  }, async () => {
    await checkProperty("watcher (model-based)", fc.asyncProperty(scenarioArbitrary, run), RUNS);
  });

  it("its generator reaches its stated sizes: long histories, every replay mode, lost events", () => {
    const samples = fc.sample(scenarioArbitrary, { numRuns: 1000, seed: 42 });
    const lengths = samples.map((s) => s.ops.length);
    assert.equal(Math.max(...lengths), MAX_OPS, "some history has the full number of operations");
    assert.ok(lengths.filter((n) => n >= MAX_OPS * 0.75).length >= 100, "long histories are common, not rare");
    const modes = new Set(samples.map((s) => typeof s.replay === "number" ? "bounded" : s.replay));
    assert.deepEqual([...modes].sort(), ["all", "bounded", "none"]);
    // Events after a break on an engine without replay, or more than the buffer keeps: lost events.
    const losing = samples.filter((s) => {
      const breakAt = s.ops.findIndex((op) => op.op === "break" || op.op === "end");
      if (breakAt < 0 || s.replay === "all") return false;
      const after = s.ops.slice(breakAt).filter((op) => ["start", "exit", "pause", "unpause"].includes(op.op)).length;
      return s.replay === "none" ? after > 0 : after > s.replay;
    });
    assert.ok(losing.length >= 200, `histories that lose events across a reconnect: ${losing.length}`);
  });
});
