/**
 * An inspect that fails, on the real private dockerd and podman behind the fault proxy: the watcher is
 * synced, a container starts, the proxy holds the answer to the watcher's inspect of it and then lets its
 * head and half its body through and cuts (a transport failure, not a 404). The answer has begun, so no
 * runtime's HTTP client can retry the GET by itself (Deno's and Bun's fetch do retry one cut before any
 * answer): the watcher's own handling is what heals it, on every runtime. Without the details the portfolio
 * would be wrong: the watcher must resubscribe and resync, and end with the container in its portfolio,
 * told once, never a wrong portfolio or a lost container.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LifecycleEventsOptions } from "../../lib/engine.ts";
import { Watcher } from "../../lib/watcher.ts";
import { dockerApiEngines } from "../support/engines.ts";
import { FaultProxy, type ProxyConnection } from "../support/fault-proxy.ts";
import { DockerDriver } from "./drivers.ts";
import { EventLog, settle, SETTLE_TIMEOUT_MS, TEST_BACKOFF, transitionsSince, waitUntil } from "./support.ts";

/**
 * A connection whose latest request inspects the container `id` (the watcher's inspect of its start). By
 * this container's ID: the shared engine runs other suites' containers, whose inspects the watcher makes too.
 */
const inspects = (id: string) => (connection: ProxyConnection): boolean =>
  connection.requests.at(-1)?.path.endsWith(`/containers/${id}/json`) ?? false;

for (const [label, engine] of dockerApiEngines()) {
  describe(`an inspect that fails (${label})`, () => {
    const host = engine.endpoint ?? "";
    const driver = new DockerDriver(host, label);
    after(() => driver.cleanup());

    it("the watcher resyncs and ends with the container, told once", { skip: engine.skip, timeout: SETTLE_TIMEOUT_MS * 2 }, async () => {
      await using proxy = await FaultProxy.start(host.replace(/^unix:\/\//, ""));
      const client = driver.client(proxy.url);
      let subscriptions = 0;
      const subscribe = client.lifecycleEvents.bind(client);
      client.lifecycleEvents = (options: LifecycleEventsOptions) => {
        subscriptions++;
        return subscribe(options);
      };
      const watcher = new Watcher(client, { backoff: TEST_BACKOFF });
      const watching = watcher.watch();
      let log: EventLog | undefined;
      try {
        await watcher.ready;
        log = new EventLog(watcher);
        await settle(watcher, log, driver, "before the start");
        const mark = log.events.length;
        assert.equal(subscriptions, 1);

        // Resolves in the same turn as the inspect goes up, before the engine's answer can come back: stall there.
        const { name, id } = await driver.create();
        const inspect = proxy.waitForConnection(inspects(id)).then((connection) => {
          connection.stall(120_000);
          return connection;
        });
        await driver.startCreated(name);
        const held = await inspect;
        await waitUntil("the inspect's answer, held by the proxy", () => (held.heldBodyBytes ?? 0) > 1);
        assert.equal(watcher.portfolio.container(name), undefined, "not in the portfolio while its inspect is held");
        held.cutInBody(); // the answer breaks off in its body: the inspect fails
        assert.equal(proxy.faults, 1, "the fault fired");

        await settle(watcher, log, driver, "after the failed inspect");
        assert.deepEqual(transitionsSince(log, mark, driver.keep), [`started ${name}`]);
        assert.equal(subscriptions, 2, "the watcher resubscribed (and so resynced) once after the failed inspect");
      } finally {
        await watcher.close();
        await watching;
        await log?.close();
      }
    });
  });
}
