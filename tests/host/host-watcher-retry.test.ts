/**
 * HostWatcher fault injection: a watcher that fails for good while discovery
 * still finds its engine reports `failed` with the error and is replaced by a
 * fresh one at the next scan; close ends everything.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DiscoveredEngine } from "../../lib/discovery/types.ts";
import { EngineError } from "../../lib/errors.ts";
import { HostWatcher } from "../../lib/host-watcher.ts";
import { FakeEngine, settled } from "../support/fake-engine.ts";

const ENGINE: DiscoveredEngine = {
  key: "fake/id:1",
  kind: "fake",
  type: "fake.test",
  api: "fake:///engine",
  version: "1",
  id: "1",
  pid: 4242,
  sources: [],
  alsoAt: [],
};

describe("HostWatcher retries", () => {
  it("a failed watcher is reported and retried at the next scan", async () => {
    const clients: FakeEngine[] = [];
    const refused = new EngineError("fake refusal", { retryable: false, endpoint: ENGINE.api });
    await using host = new HostWatcher({
      rescanInterval: 0,
      discover: () => Promise.resolve([ENGINE]),
      create: () => {
        const client = new FakeEngine();
        if (clients.length === 0) client.failLists(1, () => refused);
        clients.push(client);
        return client;
      },
    });
    await host.rescan();
    await clients[0]!.called("list");
    await settled();
    const [failed] = host.engines();
    assert.equal(failed?.health.state, "failed");
    assert.equal(failed?.health.lastError, refused);
    await host.rescan();
    assert.equal(clients.length, 2, "a fresh client replaces the failed one");
    await clients[1]!.called("list");
    await settled();
    assert.equal(host.engines()[0]?.health.state, "synced");
    assert.equal(host.engines().length, 1);
  });
});
