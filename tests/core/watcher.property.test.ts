/**
 * Model-based property test of the whole watcher against the scripted fake
 * engine: random engine histories (start, restart, exit, pause, unpause) with
 * random interleavings of stream breaks, failed and held lists and
 * subscriptions, held, failing and out-of-order inspects, and scheduling turns. After everything settles:
 * - the watcher's portfolio equals the engine's truth;
 * - replaying a subscriber's events (with `initial`) onto an empty set gives
 *   the same portfolio, and the events are well-formed: no second `started`
 *   without an `exited` in between, pause flips only of known containers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Watcher } from "../../lib/watcher.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import type { Container } from "../../lib/model/container.ts";
import type { ReadonlyPortfolio } from "../../lib/model/portfolio.ts";
import { connectionLost, FakeEngine, settled } from "../support/fake-engine.ts";
import type { HeldInspect, HeldList } from "../support/fake-engine.ts";

const IDS = 5;
const id = fc.integer({ min: 0, max: IDS - 1 }).map((n) => `c${n}`);

type Op =
  | { op: "start"; id: string; project: string }
  | { op: "exit" | "pause" | "unpause"; id: string }
  | { op: "break" | "end" | "holdList" | "releaseList" | "failList" | "failSubscription" | "confirm" | "tick" }
  | { op: "holdInspects" | "holdSubscriptions"; on: boolean }
  | { op: "releaseInspect"; pick: number; gone: boolean }
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
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("releaseInspect" as const), pick: fc.nat(), gone: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("tick" as const) }) },
);

const describeContainer = (c: Container): string => `${c.id}/${c.pid}/${c.project}/${c.paused ? "paused" : "running"}`;
const picture = (containers: Iterable<Container>): string[] => [...containers].map(describeContainer).sort();
const portfolioPicture = (portfolio: ReadonlyPortfolio): string[] => picture(portfolio.allContainers());

async function run(holdInspects: boolean, ops: Op[]): Promise<void> {
  const engine = new FakeEngine();
  engine.holdInspects(holdInspects);
  engine.startQuietly({ id: "c0" });
  engine.startQuietly({ id: "c1", project: "p", paused: true });
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
    let turns = 0;
    do {
      assert.ok(++turns < 100_000, `watcher did not settle: phase ${watcher.phase}`);
      await settled();
    } while (!(watcher.phase === "synced" && engine.stream.open && engine.stream.drained));

    assert.deepEqual(portfolioPicture(watcher.portfolio), picture(engine.truth.values()), "portfolio = engine truth");

    const replayed = new Map<string, Container>();
    const pending = subscriber.pending;
    for (let i = 0; i < pending; i++) {
      const event = (await subscriber.next()).value as LifecycleEvent;
      const { container } = event;
      const known = replayed.get(container.id);
      switch (event.type) {
        case "started":
          assert.equal(known, undefined, `second started for ${container.id} without exited`);
          replayed.set(container.id, container);
          break;
        case "exited":
          assert.ok(known, `exited for unknown ${container.id}`);
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
    assert.deepEqual(picture(replayed.values()), portfolioPicture(watcher.portfolio), "replayed events = portfolio");
  } finally {
    await watcher.close();
    await watching;
  }
}

describe("Watcher: model-based", () => {
  it("converges to the engine's truth under random histories and interleavings", { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.array(opArbitrary, { maxLength: 40 }), run), { numRuns: 1000 });
  });
});
