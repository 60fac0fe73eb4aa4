/**
 * The CRI client's evented path against a scripted fake CRI runtime
 * (tests/support/fake-cri.ts): events that come twice, out of order, late or
 * never, event streams that end at once, are UNIMPLEMENTED or fail. Each
 * change is reported exactly once, the mode is reported, and what the
 * events missed is corrected (and counted) by the relist.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CriClient } from "../../engines/cri/mod.ts";
import type { CriEventMode } from "../../engines/cri/mod.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import { CRI_EVENT, startFakeCri } from "../support/fake-cri.ts";
import type { FakeCri, FakeEventsMode } from "../support/fake-cri.ts";
import { WatcherEvents } from "../support/watcher-events.ts";
import { TEST_BACKOFF, waitUntil } from "../reliability/support.ts";
import type { BackoffOptions } from "../../lib/backoff.ts";

const RUNNING = 1;
const EXITED = 2;
/** So long that no relist runs during a test: only events can tell. */
const NO_RELIST_MS = 3_600_000;
const TEST_TIMEOUT_MS = 60_000;

/** A fake with one READY pod `default/web` (sandbox `sb-web`, PID 100) running container `c-main` (PID 101). */
async function fakeWithPod(eventsMode: FakeEventsMode): Promise<FakeCri> {
  const fake = await startFakeCri({ eventsMode });
  fake.sandboxes.set("sb-web", { name: "web", namespace: "default", uid: "u-web", state: 0, pid: 100 });
  fake.containers.set("c-main", { sandboxId: "sb-web", name: "main", state: RUNNING, pid: 101 });
  return fake;
}

/** A watcher on a client of `fake`, started and ready, with its events recorded. */
async function watching(fake: FakeCri, relistIntervalMs: number, eventsBackoff?: BackoffOptions) {
  const warnings: string[] = [];
  const client = new CriClient({
    socket: fake.socket,
    relistIntervalMs,
    logger: { warn: (m) => warnings.push(m) },
    nodeName: "node-1",
    ...(eventsBackoff !== undefined ? { eventsBackoff } : {}),
  });
  const watcher = new Watcher(client);
  const done = watcher.watch();
  await watcher.ready;
  const events = new WatcherEvents(watcher);
  await waitUntil("the client's mode", () => client.mode !== undefined);
  const close = async (): Promise<void> => {
    await events.close();
    await watcher.close();
    await done;
    await fake.close();
  };
  return { client, watcher, events, warnings, close };
}

/** Lines `<type> <id>` of the events of `ids`, in order. */
function outcomes(seen: readonly LifecycleEvent[], ids: readonly string[]): string[] {
  return seen.filter((e) => ids.includes(e.container.id)).map((e) => `${e.type} ${e.container.id}`);
}

/** How many GetContainerEvents calls the fake has seen. */
function eventCalls(fake: FakeCri): number {
  return fake.calls.filter((c) => c === "GetContainerEvents").length;
}

/** Waits until the fake has answered `count` more ListContainers calls than now (each relist makes one). */
async function relists(fake: FakeCri, count: number): Promise<void> {
  const lists = (): number => fake.calls.filter((c) => c === "ListContainers").length;
  const target = lists() + count;
  await waitUntil(`${count} more relists`, () => lists() >= target);
}

describe("CRI client against a scripted fake runtime: events", () => {
  it("reports each event outcome once: duplicated, reordered and late events change nothing", { timeout: TEST_TIMEOUT_MS }, async () => {
    const fake = await fakeWithPod("stream");
    const { client, watcher, events, close } = await watching(fake, NO_RELIST_MS);
    try {
      assert.equal(client.mode, "evented+relist");
      assert.equal(watcher.portfolio.container("c-main")?.pid, 101);
      await fake.waitForSubscribers(1);

      // Duplicated: STARTED twice.
      fake.containers.set("c-dup", { sandboxId: "sb-web", name: "dup", state: RUNNING, pid: 201 });
      fake.emit({ id: "c-dup", type: CRI_EVENT.STARTED });
      fake.emit({ id: "c-dup", type: CRI_EVENT.STARTED });
      // Reordered: STOPPED arrives before STARTED for a container that runs.
      fake.containers.set("c-ooo", { sandboxId: "sb-web", name: "ooo", state: RUNNING, pid: 202 });
      fake.emit({ id: "c-ooo", type: CRI_EVENT.STOPPED });
      fake.emit({ id: "c-ooo", type: CRI_EVENT.STARTED });
      // An exit told three times (stopped, deleted, stopped again).
      fake.containers.set("c-main", { sandboxId: "sb-web", name: "main", state: EXITED, pid: 0, exitCode: 3 });
      fake.emit({ id: "c-main", type: CRI_EVENT.STOPPED });
      fake.emit({ id: "c-main", type: CRI_EVENT.DELETED });
      fake.emit({ id: "c-main", type: CRI_EVENT.STOPPED });
      // Late: c-main's STARTED after its exit; CREATED and an unknown type change nothing either.
      fake.emit({ id: "c-main", type: CRI_EVENT.STARTED });
      fake.emit({ id: "c-dup", type: CRI_EVENT.CREATED });
      fake.emit({ id: "c-dup", type: 42 });
      // A new pod: its sandbox's event carries the sandbox ID.
      fake.sandboxes.set("sb-api", { name: "api", namespace: "prod", uid: "u-api", state: 0, pid: 300 });
      fake.emit({ id: "sb-api", type: CRI_EVENT.STARTED, sandbox: true });
      // Events are handled in order: once the sentinel is seen, everything before it was.
      fake.containers.set("c-sentinel", { sandboxId: "sb-api", name: "sentinel", state: RUNNING, pid: 301 });
      fake.emit({ id: "c-sentinel", type: CRI_EVENT.STARTED });
      await events.next("the sentinel's start", (e) => e.type === "started" && e.container.id === "c-sentinel");

      assert.deepEqual(outcomes(events.seen, ["c-dup", "c-ooo", "c-main", "sb-api", "c-sentinel"]), [
        "started c-dup",
        "started c-ooo",
        "exited c-main",
        "started sb-api",
        "started c-sentinel",
      ]);
      const exit = events.seen.find((e) => e.type === "exited")!;
      assert.equal(exit.exit?.code, 3);
      assert.equal(watcher.portfolio.container("c-dup")?.pid, 201);
      assert.equal(watcher.portfolio.container("c-ooo")?.name, "default/web/ooo");
      assert.equal(watcher.portfolio.container("sb-api")?.project, "prod/api");
      assert.equal(watcher.portfolio.container("c-sentinel")?.pid, 301);
      assert.equal(watcher.portfolio.container("c-main"), undefined);
      assert.equal(client.corrections, 0, "the events told everything");
      assert.equal(client.mode, "evented+relist");
    } finally {
      await close();
    }
  });

  it("corrects a dropped event by the relist, exactly once, and counts it", { timeout: TEST_TIMEOUT_MS }, async () => {
    const fake = await fakeWithPod("stream");
    const { client, watcher, events, close } = await watching(fake, 100);
    try {
      assert.equal(client.mode, "evented+relist");
      await fake.waitForSubscribers(1);
      // A start and an exit that no event announces.
      fake.containers.set("c-quiet", { sandboxId: "sb-web", name: "quiet", state: RUNNING, pid: 401 });
      fake.containers.set("c-main", { sandboxId: "sb-web", name: "main", state: EXITED, pid: 0, exitCode: 137 });
      await events.next("the quiet start", (e) => e.type === "started" && e.container.id === "c-quiet");
      await events.next("the quiet exit", (e) => e.type === "exited" && e.container.id === "c-main");
      assert.equal(client.corrections, 2);
      // The event arriving after the relist corrected it: nothing more.
      fake.emit({ id: "c-quiet", type: CRI_EVENT.STARTED });
      fake.emit({ id: "c-main", type: CRI_EVENT.STOPPED });
      await relists(fake, 3);
      assert.deepEqual(outcomes(events.seen, ["c-quiet", "c-main"]), ["exited c-main", "started c-quiet"]); // one relist: the vanished first
      assert.equal(events.seen.find((e) => e.type === "exited")?.exit?.code, 137);
      assert.equal(watcher.portfolio.container("c-quiet")?.pid, 401);
      assert.equal(client.corrections, 2, "the late events were no corrections");
    } finally {
      await close();
    }
  });

  for (const [mode, why] of [["unimplemented", "UNIMPLEMENTED"], ["end", "a stream that ends at once"], ["error", "an error"]] as const) {
    it(`runs relist-only on ${why}, every change once`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const fake = await fakeWithPod(mode);
      const { client, watcher, events, warnings, close } = await watching(fake, 100);
      try {
        assert.equal(client.mode, "relist-only" satisfies CriEventMode);
        assert.ok(warnings.some((w) => w.includes("CRI events unavailable")), warnings.join("; "));
        fake.containers.set("c-new", { sandboxId: "sb-web", name: "new", state: RUNNING, pid: 501 });
        fake.sandboxes.get("sb-web")!.state = 1; // NOTREADY: the pod is going down
        await events.next("the new start", (e) => e.type === "started" && e.container.id === "c-new");
        await events.next("the sandbox's exit", (e) => e.type === "exited" && e.container.id === "sb-web");
        await relists(fake, 3);
        // One relist found both: the vanished one first.
        assert.deepEqual(outcomes(events.seen, ["c-new", "sb-web", "c-main"]), ["exited sb-web", "started c-new"]);
        assert.equal(watcher.portfolio.container("c-new")?.pid, 501);
        assert.equal(client.corrections, 2);
      } finally {
        await close();
      }
    });
  }

  const cuts = [
    ["ends", "ended its event stream", (fake: FakeCri) => fake.endStreams()],
    ["fails", "event stream failed", (fake: FakeCri) => fake.failStreams()],
  ] as const;
  for (const [how, warning, cut] of cuts) {
    it(`reopens the event stream when it ${how}: relist-only meanwhile, evented again, each change once`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const fake = await fakeWithPod("stream");
      // No periodic relist: only the events, and the relist each reopen makes, can tell.
      const { client, watcher, events, warnings, close } = await watching(fake, NO_RELIST_MS, TEST_BACKOFF);
      try {
        assert.equal(client.mode, "evented+relist");
        await fake.waitForSubscribers(1);
        const opened = eventCalls(fake);
        fake.eventsMode = "error"; // every reopen fails for now
        cut(fake);
        await waitUntil("relist-only mode", () => client.mode === "relist-only");
        assert.ok(warnings.some((w) => w.includes(warning)), warnings.join("; "));
        await waitUntil("three failed reopens", () => eventCalls(fake) >= opened + 3);
        assert.equal(client.mode, "relist-only", "relist-only while no stream is open");

        // A start no event tells, while the stream is down: a reopen's relist corrects it.
        fake.containers.set("c-down", { sandboxId: "sb-web", name: "down", state: RUNNING, pid: 701 });
        fake.eventsMode = "stream";
        await waitUntil("evented mode again", () => client.mode === "evented+relist");
        await fake.waitForSubscribers(1);
        await events.next("the start while the stream was down", (e) => e.type === "started" && e.container.id === "c-down");
        assert.equal(client.corrections, 1, "the start while down was a correction");
        assert.ok(warnings.some((w) => w.includes("open again")), warnings.join("; "));
        const relistsBefore = client.relists;

        // After the reopen the events tell again: duplicated ones are applied once.
        fake.containers.set("c-up", { sandboxId: "sb-web", name: "up", state: RUNNING, pid: 702 });
        fake.emit({ id: "c-up", type: CRI_EVENT.STARTED });
        fake.emit({ id: "c-up", type: CRI_EVENT.STARTED });
        fake.containers.set("c-main", { sandboxId: "sb-web", name: "main", state: EXITED, pid: 0, exitCode: 5 });
        fake.emit({ id: "c-main", type: CRI_EVENT.STOPPED });
        fake.emit({ id: "c-main", type: CRI_EVENT.DELETED });
        fake.containers.set("c-sentinel", { sandboxId: "sb-web", name: "sentinel", state: RUNNING, pid: 703 });
        fake.emit({ id: "c-sentinel", type: CRI_EVENT.STARTED });
        await events.next("the sentinel's start", (e) => e.type === "started" && e.container.id === "c-sentinel");

        assert.deepEqual(outcomes(events.seen, ["c-down", "c-up", "c-main", "c-sentinel"]), [
          "started c-down",
          "started c-up",
          "exited c-main",
          "started c-sentinel",
        ]);
        assert.equal(events.seen.find((e) => e.type === "exited")?.exit?.code, 5);
        assert.equal(watcher.portfolio.container("c-up")?.pid, 702);
        assert.equal(client.relists, relistsBefore, "no relist since the reopen: the events told");
        assert.equal(client.corrections, 1);
        assert.equal(client.mode, "evented+relist");
      } finally {
        await close();
      }
    });
  }

  it("never reopens events the runtime does not implement", { timeout: TEST_TIMEOUT_MS }, async () => {
    const fake = await fakeWithPod("unimplemented");
    // Reopens, were there any, would come every few relists.
    const { client, close } = await watching(fake, 50, TEST_BACKOFF);
    try {
      await relists(fake, 10);
      assert.equal(eventCalls(fake), 1, "one GetContainerEvents call");
      assert.equal(client.mode, "relist-only");
    } finally {
      await close();
    }
  });
});
