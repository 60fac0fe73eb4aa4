/**
 * Bad input from a CRI runtime, through the scripted fake
 * (tests/support/fake-cri.ts): verbose info missing or not JSON, PID 0,
 * unknown enum values, a container whose pod is gone. Each is a logged skip
 * of that one container, retried at the next relist — never a crash, never
 * a wrong PID — and the container appears, once, when its input is good.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CriClient } from "../../engines/cri/mod.ts";
import { Watcher } from "../../lib/watcher.ts";
import { CRI_EVENT, startFakeCri } from "../support/fake-cri.ts";
import type { FakeEventsMode } from "../support/fake-cri.ts";
import { WatcherEvents } from "../support/watcher-events.ts";
import { waitUntil } from "../reliability/support.ts";

const RUNNING = 1;
const TEST_TIMEOUT_MS = 60_000;

/** The bad containers (and one bad sandbox), what the warning says, and how the test repairs each. */
const BAD = [
  { id: "c-noinfo", says: "has no info", pid: 11 },
  { id: "c-notjson", says: "is not JSON", pid: 12 },
  { id: "c-pid0", says: "pid 0", pid: 13 },
  { id: "c-enum", says: "state 9 is unknown", pid: 14 },
  { id: "c-orphan", says: "pod sandbox is gone", pid: 15 },
  { id: "sb-noinfo", says: "has no info", pid: 16 },
] as const;

for (const eventsMode of ["unimplemented", "stream"] as const satisfies readonly FakeEventsMode[]) {
  describe(`CRI client against a scripted fake runtime: bad input (${eventsMode === "stream" ? "evented" : "relist-only"})`, () => {
    it("skips each bad container with a warning, retries it at every relist, reports it once repaired", { timeout: TEST_TIMEOUT_MS }, async () => {
      const fake = await startFakeCri({ eventsMode });
      fake.sandboxes.set("sb-web", { name: "web", namespace: "default", uid: "u1", state: 0, pid: 10 });
      fake.sandboxes.set("sb-odd", { name: "odd", namespace: "default", uid: "u2", state: 7, pid: 20 }); // unknown sandbox state
      fake.sandboxes.set("sb-noinfo", { name: "quiet", namespace: "default", uid: "u3", state: 0, pid: 16, info: {} });
      fake.containers.set("c-good", { sandboxId: "sb-web", name: "good", state: RUNNING, pid: 1 });
      fake.containers.set("c-noinfo", { sandboxId: "sb-web", name: "noinfo", state: RUNNING, pid: 11, info: {} });
      fake.containers.set("c-notjson", { sandboxId: "sb-web", name: "notjson", state: RUNNING, pid: 12, info: { info: '{"pid": 12,' } });
      fake.containers.set("c-pid0", { sandboxId: "sb-web", name: "pid0", state: RUNNING, pid: 0 });
      fake.containers.set("c-enum", { sandboxId: "sb-web", name: "enum", state: RUNNING, pid: 14, statusState: 9 });
      fake.containers.set("c-orphan", { sandboxId: "sb-gone", name: "orphan", state: RUNNING, pid: 15 });
      fake.containers.set("c-in-noinfo", { sandboxId: "sb-noinfo", name: "fine", state: RUNNING, pid: 17 });

      const warnings: string[] = [];
      const client = new CriClient({ socket: fake.socket, relistIntervalMs: 100, logger: { warn: (m) => warnings.push(m) } });
      const watcher = new Watcher(client);
      const done = watcher.watch();
      try {
        await watcher.ready;
        const events = new WatcherEvents(watcher);
        const ids = (): string[] => [...watcher.portfolio.allContainers()].map((c) => c.id).sort();
        assert.deepEqual(ids(), ["c-good", "c-in-noinfo", "sb-web"], "only the good ones");
        assert.equal(watcher.portfolio.container("c-in-noinfo")?.project, "default/quiet", "a container of a skipped sandbox keeps its pod");
        for (const bad of BAD) {
          assert.ok(
            warnings.some((w) => w.includes(`skipping CRI container ${bad.id} `) && w.includes(bad.says) && w.includes("retrying at the next relist")),
            `a warning for ${bad.id} saying '${bad.says}': ${warnings.join("\n")}`,
          );
        }
        // Retried at the next relists: skipped (and warned about) again while still bad.
        const warned = (id: string): number => warnings.filter((w) => w.includes(`skipping CRI container ${id} `)).length;
        await waitUntil("two more warnings per bad container", () => BAD.every((bad) => warned(bad.id) >= 3));
        assert.deepEqual(ids(), ["c-good", "c-in-noinfo", "sb-web"], "still only the good ones");
        assert.ok(watcher.portfolio.container("sb-odd") === undefined, "an unknown sandbox state is not READY");

        // Repaired: each appears at the next relist, with its PID, once.
        fake.containers.get("c-noinfo")!.info = undefined;
        fake.containers.get("c-notjson")!.info = undefined;
        fake.containers.get("c-pid0")!.pid = 13;
        fake.containers.get("c-enum")!.statusState = undefined;
        fake.sandboxes.set("sb-gone", { name: "back", namespace: "default", uid: "u4", state: 0, pid: 18 });
        fake.sandboxes.get("sb-noinfo")!.info = undefined;
        if (eventsMode === "stream") fake.emit({ id: "c-noinfo", type: CRI_EVENT.STARTED }); // an event for one of them changes nothing
        for (const bad of BAD) {
          const started = await events.next(`the start of ${bad.id}`, (e) => e.type === "started" && e.container.id === bad.id);
          assert.equal(started.container.pid, bad.pid, `${bad.id}'s PID`);
        }
        await waitUntil("the new sandbox sb-gone", () => watcher.portfolio.container("sb-gone") !== undefined);
        const warningsAfter = warnings.length;
        const lists = fake.calls.filter((c) => c === "ListContainers").length;
        await waitUntil("three more relists", () => fake.calls.filter((c) => c === "ListContainers").length >= lists + 3);
        for (const bad of BAD) {
          assert.equal(events.seen.filter((e) => e.container.id === bad.id).length, 1, `one event for ${bad.id}`);
        }
        assert.equal(watcher.portfolio.container("c-orphan")?.project, "default/back");
        assert.equal(warnings.slice(warningsAfter).filter((w) => w.includes("skipping")).length, 0, "no more skips");
        await events.close();
      } finally {
        await watcher.close();
        await done;
        await fake.close();
      }
    });
  });
}
