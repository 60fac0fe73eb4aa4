/**
 * The CRI client against a real containerd 1.6 CRI plugin (WW_TEST_CRI,
 * started by scripts/engines/cri.mjs); skips loudly without one. containerd
 * 1.6 answers GetContainerEvents with UNIMPLEMENTED, so this exercises the
 * relist-only mode. Pods are torn down through CRI after each test.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CriClient, SANDBOX_LABEL } from "../../engines/cri/mod.ts";
import type { CriCorrection } from "../../engines/cri/mod.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import { CriAdmin } from "./admin.ts";
import type { TestPod } from "./admin.ts";
import { criEngine, READ_ONLY_CRI_METHODS } from "../support/engines.ts";

const { endpoint, skip } = criEngine();
const socket = endpoint ?? "";

/** Generous for a machine shared by several test runs. */
const TEST_TIMEOUT_MS = 90_000;

/** Waits until `events` holds an event matching `match`. */
async function waitFor(events: LifecycleEvent[], what: string, match: (event: LifecycleEvent) => boolean): Promise<LifecycleEvent> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = events.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within 20 s; saw ${events.map((e) => `${e.type} ${e.container.name}`).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("CRI client against containerd 1.6", { skip }, () => {
  it("lists pods with several containers, follows exits and a removed pod exactly once, read-only", { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = new CriAdmin(socket);
    const calls = new Set<string>();
    const warnings: string[] = [];
    const client = new CriClient({
      socket,
      relistIntervalMs: 200,
      onCall: (method) => calls.add(method),
      logger: { warn: (message) => warnings.push(message) },
    });
    const watcher = new Watcher(client);
    const ns = `t${process.pid}`;
    try {
      const pod = await admin.runPod(ns, "web", { app: "web" }, { "example.com/note": "hello" });
      const main = await admin.runContainer(pod, "main", ["/bin/sleep", "1000"]);
      const side = await admin.runContainer(pod, "side", ["/bin/sleep", "1000"]);

      void watcher.watch();
      await watcher.ready;
      const project = watcher.portfolio.project(`${ns}/web`);
      assert.ok(project, "the pod is a project");
      assert.deepEqual(project.containerNames().sort(), [pod.id, `${ns}/web/main`, `${ns}/web/side`].sort());
      const sandbox = watcher.portfolio.container(pod.id)!;
      assert.equal(sandbox.labels[SANDBOX_LABEL], "true");
      assert.equal(sandbox.labels["io.kubernetes.annotation/example.com/note"], "hello");
      assert.equal(sandbox.labels["app"], "web");
      const mainContainer = watcher.portfolio.container(main)!;
      assert.equal(mainContainer.labels["io.kubernetes.pod.namespace"], ns);
      assert.ok(mainContainer.pid > 0 && watcher.portfolio.container(side)!.pid > 0);
      assert.equal(client.mode, "relist-only", "containerd 1.6 has no GetContainerEvents");

      const events: LifecycleEvent[] = [];
      const stop = new AbortController();
      const collecting = (async () => {
        for await (const event of watcher.events({ signal: stop.signal })) events.push(event);
      })();

      // A container that exits on its own, and one started later.
      const quitter = await admin.runContainer(pod, "quitter", ["/bin/sh", "-c", "sleep 1; exit 3"]);
      await waitFor(events, "start of quitter", (e) => e.type === "started" && e.container.id === quitter);
      const quit = await waitFor(events, "exit of quitter", (e) => e.type === "exited" && e.container.id === quitter);
      assert.deepEqual(await admin.exitCode(quitter), { state: 2, exitCode: 3 });
      assert.equal(quit.exit?.code, 3, "the exit event carries the exit code");
      assert.ok(quit.exit?.time instanceof Date && quit.exit.time.getTime() > 0, "and the runtime's exit time");

      // The whole pod goes: its containers and its sandbox exit, each once.
      const correctionsBefore = client.corrections;
      await admin.removePod(pod.id);
      for (const id of [main, side, pod.id]) await waitFor(events, `exit of ${id}`, (e) => e.type === "exited" && e.container.id === id);
      await new Promise((resolve) => setTimeout(resolve, 600)); // three more relists: no duplicates
      for (const id of [main, side, pod.id, quitter]) {
        assert.equal(events.filter((e) => e.type === "exited" && e.container.id === id).length, 1, `one exit of ${id}`);
      }
      assert.equal(events.filter((e) => e.type === "started" && e.container.id === quitter).length, 1);
      assert.ok(client.corrections >= correctionsBefore + 3, "the relist found the exits");
      assert.equal(watcher.portfolio.project(`${ns}/web`), undefined);
      stop.abort();
      await collecting;

      for (const method of calls) assert.ok(READ_ONLY_CRI_METHODS.has(method), `read-only: ${method}`);
      assert.ok(calls.has("runtime.v1.RuntimeService/GetContainerEvents"), "events were tried");
      assert.ok(!warnings.some((w) => w.includes("skipping")), `no skips: ${warnings.join("; ")}`);
    } finally {
      await watcher.close();
      await admin.removePods(ns);
      admin.close();
    }
  });

  it("reports a change made while no event tells by the first relist that starts after it, once", { timeout: TEST_TIMEOUT_MS }, async () => {
    const admin = new CriAdmin(socket);
    const corrections: CriCorrection[] = [];
    const client = new CriClient({ socket, relistIntervalMs: 300, onCorrection: (c) => corrections.push(c) });
    const watcher = new Watcher(client);
    const ns = `r${process.pid}`;
    const events: LifecycleEvent[] = [];
    const stop = new AbortController();
    let collecting: Promise<void> | undefined;
    /**
     * Makes a change and waits until the watcher reports it. The relists
     * started by the time the change completed may have listed before it;
     * the next one to start cannot miss it: the correction must come from a
     * relist numbered at most one more (a sequence, not a clock, so a loaded
     * machine cannot fail it).
     */
    const corrected = async (type: "started" | "exited", change: () => Promise<string>): Promise<string> => {
      const id = await change();
      const startedBefore = client.relists;
      const event = await waitFor(events, `${type} ${id}`, (e) => e.type === type && e.container.id === id);
      const correction = corrections.find((c) => c.id === id && c.type === type);
      assert.ok(correction, `the relist corrected ${type} ${id}`);
      assert.ok(
        correction.relist <= startedBefore + 1,
        `${type} ${id} by relist ${correction.relist}; ${startedBefore} had started when the change completed`,
      );
      return event.container.id;
    };
    try {
      void watcher.watch();
      await watcher.ready;
      assert.equal(client.mode, "relist-only", "containerd 1.6 has no GetContainerEvents");
      collecting = (async () => {
        for await (const event of watcher.events({ signal: stop.signal })) events.push(event);
      })();

      let pod: TestPod | undefined;
      await corrected("started", async () => (pod = await admin.runPod(ns, "seq")).id);
      const first = await corrected("started", () => admin.runContainer(pod!, "first", ["/bin/sleep", "1000"]));
      const second = await corrected("started", () => admin.runContainer(pod!, "second", ["/bin/sleep", "1000"]));
      await corrected("exited", async () => (await admin.stopContainer(first), first));
      await corrected("exited", async () => (await admin.stopPod(pod!.id), pod!.id));
      await waitFor(events, `exit of ${second}`, (e) => e.type === "exited" && e.container.id === second);

      for (const id of [pod!.id, first, second]) {
        assert.deepEqual(events.filter((e) => e.container.id === id).map((e) => e.type), ["started", "exited"], `each change of ${id} once`);
      }
      assert.equal(client.corrections, corrections.length);
    } finally {
      stop.abort();
      await collecting;
      await watcher.close();
      await admin.removePods(ns);
      admin.close();
    }
  });
});
