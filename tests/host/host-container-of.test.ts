/**
 * HostWatcher.containerOf over the engines it watches: a process resolves to
 * the container of whichever engine runs it, with that engine; against the
 * fixture /proc tree (fixtures/proc/containers, see its README) and two fake
 * engines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { DiscoveredEngine } from "../../lib/discovery/types.ts";
import { HostWatcher } from "../../lib/host-watcher.ts";
import { until } from "../support/bounded.ts";
import { FakeEngine } from "../support/fake-engine.ts";

const PROC = fileURLToPath(new URL("../../fixtures/proc/containers", import.meta.url));

function discovered(id: string): DiscoveredEngine {
  return { key: `fake/id:${id}`, kind: "fake", type: "fake.test", api: `fake:///${id}`, version: "1", id, pid: 4242, sources: [], alsoAt: [] };
}

/** The fixture's containers: A (init 501, own PID namespace) on engine one, B (init 600, host namespace) on engine two. */
const CONTAINERS: Record<string, { id: string; name: string; pid: number }> = {
  one: { id: "a".repeat(64), name: "alpha", pid: 501 },
  two: { id: "b".repeat(64), name: "bravo", pid: 600 },
};

describe("HostWatcher.containerOf", () => {
  it("resolves processes to the containers of every watched engine, and to none once an engine vanished", async () => {
    let found = [discovered("one"), discovered("two")];
    await using host = new HostWatcher({
      rescanInterval: 0,
      procRoot: PROC,
      discover: () => Promise.resolve(found),
      create: async (engine) => {
        const client = new FakeEngine();
        Object.defineProperty(client, "api", { value: engine.api }); // two engines, told apart by their endpoint
        await client.start(CONTAINERS[engine.id]!);
        return client;
      },
    });
    await host.rescan();
    await until("both watchers synced", () => host.engines().every((view) => view.health.state === "synced"), () =>
      host.engines().map((view) => `${view.engine.api}: ${view.health.state}`).join(", "));
    const owner = async (pid: number): Promise<string> => {
      const answer = await host.containerOf(pid);
      return answer === undefined ? "none" : `${answer.container.name} ${answer.engine.api} ${answer.match}`;
    };
    assert.equal(await owner(510), "alpha fake:///one pid-namespace");
    assert.equal(await owner(601), "bravo fake:///two ancestry");
    assert.equal(await owner(700), "none");
    found = [discovered("one")];
    await host.rescan();
    assert.equal(await owner(601), "none", "the vanished engine's containers are gone");
    assert.equal(await owner(502), "alpha fake:///one pid-namespace");
  });
});
