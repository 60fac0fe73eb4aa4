/**
 * Leak check that works the same on Node, Deno and Bun: a child process (this
 * very file, in child mode) drives watchers through sync, events, reconnects,
 * a close during a long backoff sleep and an abort during a held list — and
 * must then exit on its own. A leftover timer, listener-held handle or
 * pending stream would keep it alive. (Deno's resource sanitizers do not
 * cover node:test tests, so they cannot be relied on for this.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runChild, runtimeCommand } from "../support/child.ts";
import { Watcher } from "../../lib/watcher.ts";
import { FakeEngine } from "../support/fake-engine.ts";
import { until, within } from "../support/bounded.ts";

const CHILD_ENV = "WW_WATCHER_EXIT_CHILD";
const DONE = "watcher-exit-child: done";

async function childScenario(): Promise<void> {
  // 1. Sync, events, a reconnect, a subscriber on a never-aborted signal, close.
  {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a" });
    const watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0 } });
    const watching = watcher.watch();
    await within("watcher.ready", watcher.ready);
    const longLived = new AbortController();
    const subscriber = watcher.events({ signal: longLived.signal, initial: true });
    await within("the initial started of a", subscriber.next());
    await engine.start({ id: "b" });
    await within("the started of b", subscriber.next());
    engine.startQuietly({ id: "c" });
    engine.stream.break();
    await within("c, from the resync", subscriber.next());
    const stuck = watcher.events({ buffer: 1 });
    await engine.start({ id: "d" });
    await engine.start({ id: "e" }); // stuck overflows
    await watcher.close();
    await within("the watch to end", watching);
    await stuck.return();
  }
  // 2. Close while sleeping a long backoff.
  {
    const engine = new FakeEngine();
    const warnings: string[] = [];
    const watcher = new Watcher(engine, {
      backoff: { initialMs: 3_600_000, maxMs: 3_600_000, jitter: "none" },
      logger: { debug() {}, warn: (message) => void warnings.push(message) },
    });
    engine.failLists(1);
    const watching = watcher.watch();
    await until("a warning", () => warnings.length > 0);
    await watcher.close();
    await within("the watch to end", watching);
  }
  // 3. Abort the watch while its list is held; then a never-awaited ready and watch.
  {
    const engine = new FakeEngine();
    const list = engine.holdList();
    const watcher = new Watcher(engine);
    const controller = new AbortController();
    const watching = watcher.watch(controller.signal);
    await within("the held list to be called", list.called);
    controller.abort();
    await within("the watch to end", watching);
    await watcher.close();
    // Closed right after starting: ready rejects with nobody awaiting it.
    const closedEarly = new Watcher(new FakeEngine());
    void closedEarly.watch();
    await closedEarly.close();
  }
  // 4. Gives up (watch and ready reject with nobody listening) — must not crash.
  {
    const engine = new FakeEngine();
    engine.failLists(Infinity);
    const watcher = new Watcher(engine, { backoff: { initialMs: 0, maxMs: 0, maxRetries: 2 } });
    void watcher.watch();
    await within("list called 3 times", engine.called("list", 3));
    await watcher.close();
  }
  console.log(DONE);
}


if (process.env[CHILD_ENV]) {
  await childScenario();
} else {
  describe("Watcher: no leaks", () => {
    it("a process that used and closed watchers exits on its own", async () => {
      // The timeout only guards against a hang failing the suite forever; nothing is timed.
      const result = await runChild(runtimeCommand(fileURLToPath(import.meta.url)), { env: { [CHILD_ENV]: "1" }, timeoutMs: 120_000 });
      assert.equal(result.timedOut, false, `the child did not exit on its own within 120_000 ms\n${result.stderr}`);
      assert.equal(result.signal, null, `the child did not exit on its own (killed by ${result.signal})\n${result.stderr}`);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(DONE));
    });
  });
}
