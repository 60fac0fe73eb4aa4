/**
 * Slow consumers against each real Docker-API engine (dockerd, podman; each
 * skips on its own): a subscriber that never reads does not hold up the
 * portfolio or another subscriber; its iteration ends with the typed
 * overflow error after the events it had buffered.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SubscriberOverflowError } from "../../lib/errors.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import { dockerApiEngines } from "../support/engines.ts";
import { DockerDriver } from "./drivers.ts";
import { EventLog, settle, SETTLE_TIMEOUT_MS } from "./support.ts";

for (const [label, engine] of dockerApiEngines()) {
  describe(`a subscriber that never reads (real ${label})`, () => {
    const driver = new DockerDriver(engine.endpoint ?? "", label);
    after(() => driver.cleanup());

    it("overflows alone, with a typed error; the portfolio and the other subscriber keep up", { skip: engine.skip, timeout: SETTLE_TIMEOUT_MS * 2 }, async () => {
      const watcher = new Watcher(driver.client(engine.endpoint!));
      const watching = watcher.watch();
      const log = new EventLog(watcher);
      const stuck = watcher.events({ buffer: 2 });
      try {
        await watcher.ready;
        const started: string[] = [];
        for (let i = 0; i < 4; i++) started.push(await driver.start());
        await settle(watcher, log, driver, "after four starts");
        assert.deepEqual(log.events.filter((e) => driver.keep(e.container)).map((e) => e.container.name), started);

        const received: LifecycleEvent[] = [];
        await assert.rejects(async () => {
          for await (const event of stuck) received.push(event);
        }, SubscriberOverflowError);
        assert.equal(received.length, 2, "the buffered events come first");
      } finally {
        await watcher.close();
        await watching;
        await log.close();
      }
    });
  });
}
