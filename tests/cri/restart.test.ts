/**
 * A private CRI containerd (never the test runner's shared one) restarted
 * while its pods run and a Watcher watches it: the pods survive (their
 * shims do), the watcher reconnects and resyncs without reporting the
 * survivors again, and what changed after the restart (a container stopped,
 * one started, a second pod) is reported exactly once.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CriClient } from "../../engines/cri/mod.ts";
import { Watcher } from "../../lib/watcher.ts";
import { criEngine, rootfsSkip, testRootfs } from "../support/engines.ts";
import { type PrivateCri, startPrivateCri } from "../support/restartable-engines.ts";
import { EventLog, line, settle, SETTLE_TIMEOUT_MS, TEST_BACKOFF, transitionsSince, waitUntil } from "../reliability/support.ts";
import { CriAdmin } from "./admin.ts";

const rootfs = testRootfs();
const skip = rootfsSkip("cri", criEngine(), "a private CRI containerd");

describe("Watcher across a restart of a real CRI containerd", { skip }, () => {
  let cri: PrivateCri | undefined;
  before(async () => {
    cri = await startPrivateCri(rootfs!);
  });
  after(async () => {
    await cri?.stop();
  });

  it("keeps the running pods, reports what changed after the restart once each", { timeout: SETTLE_TIMEOUT_MS * 4 }, async () => {
    const ns = "restart";
    const admin = new CriAdmin(cri!.socket);
    const client = new CriClient({ socket: cri!.socket, relistIntervalMs: 300 });
    const watcher = new Watcher(client, { backoff: TEST_BACKOFF });
    const watching = watcher.watch();
    let log: EventLog | undefined;
    const truth = async (): Promise<string[]> => (await admin.alive(ns)).map(line).sort();
    const keep = (c: { project: string }): boolean => c.project.startsWith(`${ns}/`);
    try {
      // The CRI plugin learns of the sandbox image imported at start asynchronously: the first pod may find none.
      const pod = await waitUntil("a first pod (the CRI plugin seeing the imported sandbox image)", () => admin.runPod(ns, "web"));
      const stays = await admin.runContainer(pod, "stays", ["/bin/sleep", "1000"]);
      const goes = await admin.runContainer(pod, "goes", ["/bin/sleep", "1000"]);
      await watcher.ready;
      log = new EventLog(watcher);
      const before = await settle(watcher, log, { truth, keep }, "before the restart");
      assert.equal(before.length, 3, "the sandbox and its two containers");
      const mark = log.events.length;

      await cri!.containerd.stop();
      await waitUntil("the watcher to notice that containerd is gone", () => watcher.phase !== "synced");
      await cri!.containerd.start();
      // After the restart, while the watcher reconnects.
      await admin.stopContainer(goes);
      const late = await admin.runContainer(pod, "late", ["/bin/sleep", "1000"]);
      const other = await admin.runPod(ns, "api");
      const api = await admin.runContainer(other, "main", ["/bin/sleep", "1000"]);

      const after = await settle(watcher, log, { truth, keep }, "after the restart");
      assert.ok(after.some((l) => l.startsWith(`${stays} `)), "the survivor is still there, same PID");
      assert.ok(before.filter((l) => !l.startsWith(`${goes} `)).every((l) => after.includes(l)), "the survivors kept their PIDs");
      assert.deepEqual(
        transitionsSince(log, mark, keep),
        [`exited ${ns}/web/goes`, `started ${ns}/web/late`, `started ${other.id}`, `started ${ns}/api/main`].sort(),
        "exactly what changed, once each; no survivor reported again",
      );
      assert.ok(watcher.portfolio.container(late) && watcher.portfolio.container(api));
    } finally {
      await watcher.close();
      await watching;
      await log?.close();
      try {
        await admin.removePods(ns);
      } finally {
        admin.close(); // also removes the pods' log directories
      }
    }
  });
});
