/**
 * A container that dies while the watcher's first list is in flight, on the real private dockerd and
 * podman: the fault proxy holds the answer to the list's inspect of that container (so the watcher gets
 * "running" for a container that is dead by then), the container is killed, the answer is let through.
 * The watcher must end without the container, having told subscribers of its start and its exit or of
 * neither: never a dead container left in the portfolio.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { docker, dockerApiEngines, stdoutOf } from "../support/engines.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { Watcher } from "../../lib/watcher.ts";
import { DockerDriver } from "./drivers.ts";

for (const [label, engine] of dockerApiEngines()) {
  describe(`a container dying while the list is in flight (${label})`, () => {
    const host = engine.endpoint ?? "";
    const driver = new DockerDriver(host, label);
    after(() => driver.cleanup());

    it("the watcher ends without it, its start and exit told together or not at all", { skip: engine.skip, timeout: 60_000 }, async () => {
      const name = await driver.start();
      const id = stdoutOf(await docker(host, "inspect", "-f", "{{.Id}}", name), "docker inspect").trim();
      await using proxy = await FaultProxy.start(host.replace(/^unix:\/\//, ""));
      const watcher = new Watcher(driver.client(proxy.url), { backoff: { initialMs: 10, maxMs: 100 } });
      const events = watcher.events({ buffer: 10_000 });
      const watching = watcher.watch();
      try {
        // The list's inspect of our container: hold its answer. The wait resolves in the same turn as the
        // request goes up, before the engine's answer can come back (a later I/O event), so it is held.
        const inspect = await proxy.waitForConnection(`/containers/${id}/json`);
        inspect.stall(120_000);
        await driver.kill(name);
        assert.ok(inspect.queuedBytes > 0, "the inspect's answer (still 'running') is held while the container dies");
        inspect.resume();
        await watcher.ready;
        // The engine's die event may reach the watcher only after `ready` (podman publishes events late), so
        // "without it" is checked once a sentinel container, started after ours died, has been told: the engine
        // orders its events, so by then everything about ours has come.
        const sentinel = await driver.start();
        const ours: string[] = [];
        for (let next = await events.next(); !next.done; next = await events.next()) {
          const { type, container } = next.value;
          if (container.name === sentinel && type === "started") break;
          if (container.id === id) ours.push(type);
        }
        assert.ok(ours.length === 0 || ours.join(" ") === "started exited", `told of ours: ${ours.join(" ")}`);
        assert.ok(![...watcher.portfolio.allContainers()].some((c) => c.id === id), "the dead container is not in the portfolio");
      } finally {
        await watcher.close();
        await watching;
      }
    });
  });
}
