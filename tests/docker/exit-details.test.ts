/**
 * Exit details and engine identity end to end: the Watcher on a DockerClient
 * against the real private dockerd and podman. A container's init killed
 * with kill -9 exits 137, one that ends with `exit 3` exits 3, dockerd
 * reports OOM kills, and an exit that only a resync finds (the connection
 * was cut and the engine replayed nothing) gets its real code from a
 * read-only inspect of the dead container. Skips loudly without engines.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { DockerClient } from "../../engines/docker/mod.ts";
import type { EngineClient, EngineExit, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import type { Container } from "../../lib/model/container.ts";
import { Watcher } from "../../lib/watcher.ts";
import { dockerApiEngines, EngineCleanup, testImage, uniqueName } from "../support/engines.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { WatcherEvents } from "../support/watcher-events.ts";
import { dockerOk, liveClient, seenRequests } from "./live.ts";

after(() => {
  for (const { method, path } of seenRequests) assert.ok(method === "GET" || method === "HEAD", `${method} ${path}`);
});

/**
 * The DockerClient, but its subscriptions never ask for a replay of what
 * the watcher missed (`since` is dropped): an engine whose log no longer
 * holds the exit. The fresh subscription still replays the last 1–2 s.
 */
class NoReplayClient implements EngineClient {
  readonly #client: DockerClient;
  constructor(client: DockerClient) {
    this.#client = client;
  }
  get type(): string {
    return this.#client.type;
  }
  get api(): string {
    return this.#client.api;
  }
  get pid(): number {
    return this.#client.pid;
  }
  id(signal?: AbortSignal): Promise<string> {
    return this.#client.id(signal);
  }
  version(signal?: AbortSignal): Promise<string> {
    return this.#client.version(signal);
  }
  list(signal?: AbortSignal): Promise<Container[]> {
    return this.#client.list(signal);
  }
  inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    return this.#client.inspect(nameOrId, signal);
  }
  exitDetails(id: string, signal?: AbortSignal): Promise<EngineExit | undefined> {
    return this.#client.exitDetails(id, signal);
  }
  lifecycleEvents(options: LifecycleEventsOptions): EventStream {
    return this.#client.lifecycleEvents({ signal: options.signal });
  }
  close(): Promise<void> {
    return this.#client.close();
  }
}

const FAST = { backoff: { initialMs: 50, maxMs: 200, jitter: "none" as const } };

for (const [label, engine, expectedType] of dockerApiEngines()) {
  const host = engine.endpoint ?? "";
  const skip = engine.skip;
  const podman = expectedType === "podman.io";

  describe(`exit details with DockerClient against real ${label}`, () => {
    const cleanup = new EngineCleanup();
    after(async () => {
      await cleanup.run();
    });

    it("kill -9 of the init: exited (137) with the engine's identity; `exit 3`: exited (3)", { skip, timeout: 180_000 }, async () => {
      const killed = uniqueName("kill9");
      const three = uniqueName("exit3");
      for (const name of [killed, three]) cleanup.docker(host, name);
      const client = liveClient(host);
      const watcher = new Watcher(client, FAST);
      const watching = watcher.watch();
      try {
        await watcher.ready;
        const identity = { type: expectedType, api: host, id: await client.id() };
        // dockerd has a stable ID; podman's /info ID is random per request, so it has none.
        if (podman) assert.equal(identity.id, "");
        else assert.notEqual(identity.id, "");
        assert.deepEqual(watcher.identity, identity);
        const events = new WatcherEvents(watcher);
        const id = await dockerOk(host, "run", "-d", "--network", "none", "--name", killed, testImage(), "sleep", "1000");
        const started = await events.next("start", (e) => e.type === "started" && e.container.id === id);
        assert.deepEqual(started.engine, identity);
        process.kill(started.container.pid, "SIGKILL");
        const exited = await events.next("exit", (e) => e.type === "exited" && e.container.id === id);
        assert.deepEqual(exited.engine, identity);
        assert.equal(exited.exit?.code, 137);
        assert.equal(exited.exit?.oom, undefined);
        assert.equal(exited.exit?.time?.getTime(), exited.time.getTime(), "the exit time is the event's (die timeNano)");
        const finishedAt = Date.parse(await dockerOk(host, "inspect", "-f", "{{.State.FinishedAt}}", killed));
        assert.ok(Math.abs(exited.time.getTime() - finishedAt) < 1000, `die time ${exited.time.toISOString()} vs FinishedAt`);

        const threeId = await dockerOk(host, "run", "-d", "--network", "none", "--name", three, testImage(), "sh", "-c", "sleep 2; exit 3");
        const exit3 = await events.next("exit 3", (e) => e.type === "exited" && e.container.id === threeId);
        assert.equal(exit3.exit?.code, 3);
        assert.deepEqual(exit3.engine, identity);
        await events.close();
      } finally {
        await watcher.close();
        await watching;
      }
    });

    it(
      podman
        ? "an OOM-killed container exits 137 (podman 4.3 reports no OOM: no oom event, State.OOMKilled false)"
        : "an OOM-killed container: exited (137, oom), from the oom event before the die",
      { skip, timeout: 180_000 },
      async () => {
        const name = uniqueName("oom");
        cleanup.docker(host, name);
        const watcher = new Watcher(liveClient(host), FAST);
        const watching = watcher.watch();
        try {
          await watcher.ready;
          const events = new WatcherEvents(watcher);
          const id = await dockerOk(
            host, "run", "-d", "--network", "none", "-m", "8m", "--memory-swap", "8m", "--name", name, testImage(),
            "sh", "-c", "sleep 2; tail /dev/zero",
          );
          const exited = await events.next("OOM exit", (e) => e.type === "exited" && e.container.id === id);
          assert.equal(exited.exit?.code, 137);
          assert.equal(exited.exit?.oom, podman ? undefined : true);
          await events.close();
        } finally {
          await watcher.close();
          await watching;
        }
      },
    );

    it("an exit only a resync finds takes its real code and time from inspecting the dead container", { skip, timeout: 180_000 }, async () => {
      const name = uniqueName("unseen");
      cleanup.docker(host, name);
      const id = await dockerOk(host, "run", "-d", "--network", "none", "--name", name, testImage(), "sleep", "1000");
      await using proxy = await FaultProxy.start(host.replace(/^unix:\/\//, ""));
      const watcher = new Watcher(new NoReplayClient(liveClient(proxy.url)), FAST);
      const watching = watcher.watch();
      try {
        await watcher.ready;
        assert.ok(watcher.portfolio.containerById(id));
        const events = new WatcherEvents(watcher);
        // The outage: no connection to the engine while the container dies.
        proxy.refuse(60_000);
        proxy.cutAll();
        const pid = Number(await dockerOk(host, "inspect", "-f", "{{.State.Pid}}", name));
        process.kill(pid, "SIGKILL");
        await dockerOk(host, "wait", name);
        // Past the fresh subscription's own look-back (1–2 s): no event can tell of the die.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        const inspectsBefore = proxy.requests.length;
        proxy.refuse(0);
        const exited = await events.next("resync exit", (e) => e.type === "exited" && e.container.id === id);
        const state = JSON.parse(await dockerOk(host, "inspect", "-f", "{{json .State}}", name)) as {
          ExitCode: number;
          FinishedAt: string;
        };
        assert.equal(state.ExitCode, 137);
        assert.equal(exited.exit?.code, 137, "the code from the inspect");
        const finishedAt = Date.parse(state.FinishedAt.replace(/(\.\d{3})\d+/, "$1"));
        assert.equal(exited.exit?.time?.getTime(), finishedAt);
        assert.equal(exited.time.getTime(), finishedAt, "the event carries the engine's exit time, not the resync's");
        assert.ok(
          proxy.requests.slice(inspectsBefore).some((r) => r.method === "GET" && r.path.includes(`/containers/${id}/json`)),
          "the dead container was inspected",
        );
        assert.ok(
          !proxy.requests.slice(inspectsBefore).some((r) => /\/events\?.*until=/.test(r.path)),
          "no replay was asked for",
        );
        await events.close();
      } finally {
        await watcher.close();
        await watching;
      }
    });
  });
}
