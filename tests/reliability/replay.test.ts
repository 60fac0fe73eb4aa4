/**
 * Gap-free events across a reconnect while the engine stays up: the
 * connection is cut (and refused) while a container dies; on reconnect the
 * watcher asks for `/events?since=<last seen>`, so the missed exit carries
 * its real exit time from the engine's event log, not the resync time.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Watcher } from "../../lib/watcher.ts";
import { dockerEngine, type EngineLookup, podmanEngine } from "../support/engines.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { DockerDriver } from "./drivers.ts";
import { EventLog, settle, SETTLE_TIMEOUT_MS, TEST_BACKOFF, transitionsSince } from "./support.ts";

/** Docker's event times and FinishedAt come from different clocks reads; they agree within this. */
const CLOCK_SLACK_MS = 1_000;

const engines: Array<[string, EngineLookup]> = [["dockerd", dockerEngine()], ["podman", podmanEngine()]];

for (const [label, engine] of engines) {
  describe(`since= replay after a cut connection (${label} stays up)`, () => {
    const driver = new DockerDriver(engine.endpoint ?? "", label);
    after(() => driver.cleanup());

    it("the missed exit carries its real exit time", { skip: engine.skip, timeout: SETTLE_TIMEOUT_MS * 3 }, async () => {
      const victim = await driver.start();
      const proxy = await FaultProxy.start(engine.endpoint!);
      const watcher = new Watcher(driver.client(proxy.url), { backoff: TEST_BACKOFF });
      const watching = watcher.watch();
      const log = new EventLog(watcher);
      try {
        await watcher.ready;
        await settle(watcher, log, driver, "initial sync");
        const mark = log.events.length;

        proxy.refuse(600_000);
        proxy.cutAll();
        await driver.kill(victim);
        const finishedAt = await driver.finishedAt(victim);
        const reopenedAt = Date.now();
        proxy.refuse(0);

        await settle(watcher, log, driver, "after the reconnect");
        assert.deepEqual(transitionsSince(log, mark, driver.keep), [`exited ${victim}`]);
        const exit = log.events.slice(mark).find((e) => e.type === "exited" && e.container.name === victim)!;
        assert.ok(
          exit.time.getTime() < reopenedAt && Math.abs(exit.time.getTime() - finishedAt) <= CLOCK_SLACK_MS,
          `exit time ${exit.time.toISOString()} should be the engine's (${new Date(finishedAt).toISOString()}), ` +
            `not the resync's (after ${new Date(reopenedAt).toISOString()})`,
        );
        assert.ok(
          proxy.requests.some((r) => r.path.includes("/events?since=") && r.connection > 1),
          "the reconnect asked for a replay",
        );
      } finally {
        await watcher.close();
        await watching;
        await log.close();
        await proxy.close();
      }
    });
  });
}
