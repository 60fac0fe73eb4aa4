/**
 * Exit details and engine identity end to end: the Watcher on a
 * ContainerdClient against a real containerd (WW_TEST_CONTAINERD,
 * WW_TEST_ROOTFS). kill -9 of a task's init exits 137, `exit 3` exits 3, an
 * OOM kill (memory-limited task) is reported, and an exit that only a
 * resync finds (containerd never replays) gets its real code from Tasks/Get
 * of the stopped task. Skips loudly without containerd.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { Watcher } from "../../lib/watcher.ts";
import { containerdEngine, ctr, EngineCleanup, READ_ONLY_GRPC_METHODS, rootfsSkip, stdoutOf, testRootfs, uniqueName } from "../support/engines.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { WatcherEvents } from "../support/watcher-events.ts";

const engine = containerdEngine();
const rootfs = testRootfs();
const skip = rootfsSkip("containerd", engine);
const socket = engine.endpoint ?? "";
const EVENT_TIMEOUT_MS = 20_000;
const FAST = { backoff: { initialMs: 50, maxMs: 200, jitter: "none" as const } };

const calls: string[] = [];
const client = (path = socket): ContainerdClient => new ContainerdClient({ socket: path, onCall: (method) => void calls.push(method) });

/** The status and exit status of a task as `ctr task ls` shows them. */
async function taskStatus(id: string): Promise<string | undefined> {
  const rows = stdoutOf(await ctr(socket, "task", "ls"), "ctr task ls").split("\n").slice(1);
  return rows.map((row) => row.trim().split(/\s+/)).find((cols) => cols[0] === id)?.[2];
}

describe("exit details with ContainerdClient against a real containerd", () => {
  it("kill -9 of the init: exited (137) with the engine's identity; `exit 3`: exited (3); an OOM kill: (137, oom)", { skip, timeout: 120_000 }, async () => {
    await using cleanup = new EngineCleanup();
    const killed = uniqueName("kill9");
    const three = uniqueName("exit3");
    const oom = uniqueName("oom");
    const watched = client();
    const watcher = new Watcher(watched, FAST);
    const watching = watcher.watch();
    try {
      await watcher.ready;
      const identity = { type: "containerd.io", api: socket, id: await watched.id() };
      assert.match(identity.id, /^[0-9a-f-]{36}$/, "containerd's introspection UUID");
      assert.deepEqual(watcher.identity, identity);
      const events = new WatcherEvents(watcher);

      cleanup.containerd(socket, "default", killed);
      stdoutOf(await ctr(socket, "run", "-d", "--rootfs", rootfs!, killed, "/bin/sleep", "1000"), "ctr run");
      const started = await events.next("start", (e) => e.type === "started" && e.container.id === killed);
      assert.deepEqual(started.engine, identity);
      process.kill(started.container.pid, "SIGKILL");
      const exited = await events.next("exit", (e) => e.type === "exited" && e.container.id === killed);
      assert.deepEqual(exited.engine, identity);
      assert.equal(exited.exit?.code, 137);
      assert.equal(exited.exit?.oom, undefined);
      assert.equal(exited.exit?.time?.getTime(), exited.time.getTime(), "exited_at is the event time");
      assert.ok(Math.abs(exited.time.getTime() - Date.now()) < 10_000);

      cleanup.containerd(socket, "default", three);
      stdoutOf(await ctr(socket, "run", "-d", "--rootfs", rootfs!, three, "/bin/sh", "-c", "sleep 2; exit 3"), "ctr run");
      const exit3 = await events.next("exit 3", (e) => e.type === "exited" && e.container.id === three);
      assert.equal(exit3.exit?.code, 3);

      cleanup.containerd(socket, "default", oom);
      stdoutOf(
        await ctr(socket, "run", "-d", "--memory-limit", String(8 * 1024 * 1024), "--rootfs", rootfs!, oom, "/bin/sh", "-c", "sleep 2; tail /dev/zero"),
        "ctr run",
      );
      const oomExit = await events.next("OOM exit", (e) => e.type === "exited" && e.container.id === oom);
      assert.deepEqual([oomExit.exit?.code, oomExit.exit?.oom], [137, true]);
      await events.close();
    } finally {
      await watcher.close();
      await watching;
    }
    for (const method of calls) assert.ok(READ_ONLY_GRPC_METHODS.has(method), method);
  });

  it("an exit only a resync finds takes its real code and time from Tasks/Get of the stopped task", { skip, timeout: 120_000 }, async () => {
    await using cleanup = new EngineCleanup();
    const id = uniqueName("unseen");
    const gone = uniqueName("gone");
    for (const name of [id, gone]) {
      cleanup.containerd(socket, "default", name);
      stdoutOf(await ctr(socket, "run", "-d", "--rootfs", rootfs!, name, "/bin/sleep", "1000"), "ctr run");
    }
    await using proxy = await FaultProxy.start(socket);
    const watcher = new Watcher(client(proxy.socketPath), FAST);
    const watching = watcher.watch();
    try {
      await watcher.ready;
      assert.ok(watcher.portfolio.containerById(id));
      const events = new WatcherEvents(watcher);
      // The outage: no connection while both die; `gone`'s task is deleted as well, so its exit is unknown.
      proxy.refuse(60_000);
      proxy.cutAll();
      stdoutOf(await ctr(socket, "task", "kill", "-s", "SIGKILL", id), "ctr task kill");
      stdoutOf(await ctr(socket, "task", "kill", "-s", "SIGKILL", gone), "ctr task kill");
      const deadline = Date.now() + EVENT_TIMEOUT_MS;
      while ((await taskStatus(id)) !== "STOPPED" || (await taskStatus(gone)) !== "STOPPED") {
        assert.ok(Date.now() < deadline, "tasks did not stop");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      stdoutOf(await ctr(socket, "task", "delete", gone), "ctr task delete");
      const before = Date.now();
      proxy.refuse(0);
      const exited = await events.next("resync exit", (e) => e.type === "exited" && e.container.id === id);
      assert.equal(exited.exit?.code, 137, "the exit status of the stopped task");
      const exitedAt = exited.exit?.time?.getTime() ?? NaN;
      assert.ok(exitedAt < before, `exited_at ${exited.exit?.time?.toISOString()} is before the resync`);
      assert.equal(exited.time.getTime(), exitedAt, "the event carries the engine's exit time");
      const unknown = await events.next("resync exit of the deleted task", (e) => e.type === "exited" && e.container.id === gone);
      assert.deepEqual(unknown.exit, {}, "no task, no details");
      assert.ok(unknown.time.getTime() >= before, "the resync's time");
      await events.close();
    } finally {
      await watcher.close();
      await watching;
    }
  });
});
