/**
 * DockerClient against the real engines of the test environment: the private
 * dockerd (WW_TEST_DOCKER_HOST) and podman's Docker API (WW_TEST_PODMAN_HOST).
 * Skips loudly when an engine is absent.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DockerClient, PRIVILEGED_LABEL } from "../../engines/docker/mod.ts";
import { containerFromInspect } from "../../engines/docker/convert.ts";
import { EngineProtocolError } from "../../lib/errors.ts";
import { within } from "../support/bounded.ts";
import { containerdEngine, docker, dockerApiEngines, EngineCleanup, testImage, uniqueName } from "../support/engines.ts";
import { dockerOk, EventCollector, execProbe, liveClient, runSleeper, seenRequests } from "./live.ts";

const TIMEOUT = { timeout: 180_000 };

after(() => {
  for (const { method, path } of seenRequests) assert.ok(method === "GET" || method === "HEAD", `${method} ${path}`);
});

for (const [label, engine, expectedType] of dockerApiEngines()) {
  const host = engine.endpoint ?? "";
  const skip = engine.skip;

  describe(`DockerClient against real ${label}`, () => {
    const cleanup = new EngineCleanup();
    after(async () => {
      await cleanup.run();
    });

    it("lists running and paused containers with names, labels and projects; not created or exited ones", { skip, ...TIMEOUT }, async () => {
      const plain = uniqueName("plain");
      const paused = uniqueName("paused");
      const shopA = uniqueName("shop-a");
      const shopB = uniqueName("shop-b");
      const created = uniqueName("created");
      const oneshot = uniqueName("oneshot");
      for (const name of [plain, paused, shopA, shopB, created, oneshot]) cleanup.docker(host, name);

      const plainId = await runSleeper(host, plain, "--label", "org.example.team=blue", "--label", "org.example.empty=");
      const pausedId = await runSleeper(host, paused);
      await dockerOk(host, "pause", paused);
      const shopAId = await runSleeper(host, shopA, "--label", "com.docker.compose.project=alpha");
      const shopBId = await runSleeper(host, shopB, "--label", "com.docker.compose.project=beta");
      const createdId = await dockerOk(host, "create", "--network", "none", "--name", created, testImage(), "sleep", "1000");
      const oneshotId = await dockerOk(host, "run", "-d", "--network", "none", "--name", oneshot, testImage(), "true");
      await dockerOk(host, "wait", oneshot);

      await using client = liveClient(host, 3);
      const containers = await client.list();
      const byId = new Map(containers.map((c) => [c.id, c]));
      assert.equal(client.type, expectedType);

      const p = byId.get(plainId);
      assert.ok(p, "running container listed");
      assert.equal(p.name, plain);
      assert.equal(p.labels["org.example.team"], "blue");
      assert.equal(p.labels["org.example.empty"], "");
      assert.equal(p.labels[PRIVILEGED_LABEL], undefined);
      assert.equal(p.project, "");
      assert.equal(p.paused, false);
      assert.equal(p.pid, Number(await dockerOk(host, "inspect", "-f", "{{.State.Pid}}", plain)));

      assert.equal(byId.get(pausedId)?.paused, true, "paused container listed as paused");
      assert.ok(byId.get(pausedId)!.pid > 0);
      assert.equal(byId.get(shopAId)?.project, "alpha");
      assert.equal(byId.get(shopBId)?.project, "beta");
      assert.equal(byId.has(createdId), false, "created-only container not listed");
      assert.equal(byId.has(oneshotId), false, "exited container not listed");

      assert.equal((await client.inspect(plain))?.id, plainId);
      assert.equal((await client.inspect(pausedId))?.paused, true);
      assert.equal(await client.inspect(created), undefined);
      assert.equal(await client.inspect(oneshot), undefined);
      assert.equal(await client.inspect(uniqueName("never-existed")), undefined);
    });

    // A privileged container gets every capability; runc under dockerd fails to start one on a host whose
    // root lacks some (here CAP_SYS_RESOURCE: "unable to apply caps: operation not permitted"), while podman
    // grants only what it has and starts it. So: run it; where it runs, the real list and inspect must mark
    // it; where it cannot, the failure must be exactly that one, and the label is checked on the created
    // container's real inspect document (given the PID a started one has), as the client converts it.
    it("marks a privileged container with the synthetic label (running where it can start, else created)", { skip, ...TIMEOUT }, async () => {
      const name = uniqueName("privileged");
      cleanup.docker(host, name);
      const run = await docker(host, "run", "-d", "--privileged", "--network", "none", "--name", name, testImage(), "sleep", "1000");
      await using client = liveClient(host);
      if (run.code === 0) {
        const id = run.stdout.trim();
        const listed = (await client.list()).find((c) => c.id === id);
        assert.equal(listed?.labels[PRIVILEGED_LABEL], "true", "listed with the label");
        const inspected = await client.inspect(name);
        assert.equal(inspected?.labels[PRIVILEGED_LABEL], "true", "inspected with the label");
        assert.ok(inspected.pid > 0);
        return;
      }
      assert.match(run.stderr, /apply caps: operation not permitted/, "the only accepted reason it cannot start");
      assert.equal(await client.inspect(name), undefined, "created, not alive");
      const [inspect] = JSON.parse(await dockerOk(host, "inspect", name)) as Array<{ State: { Pid: number } }>;
      inspect!.State.Pid = 4242; // what a started one would have
      const container = containerFromInspect(inspect, host);
      assert.equal(container?.labels[PRIVILEGED_LABEL], "true");
      assert.equal(container?.name, name);
    });

    it("reports its id, version and negotiated API version", { skip, ...TIMEOUT }, async () => {
      await using client = liveClient(host);
      if (expectedType === "podman.io") {
        // podman answers a fresh random ID per /info request (an identity it is not): id() says "" instead.
        const raw = async (): Promise<unknown> => JSON.parse(await dockerOk(host, "info", "-f", "{{json .ID}}"));
        assert.notEqual(await raw(), await raw());
        assert.equal(await client.id(), "");
      } else {
        const id = await client.id();
        assert.notEqual(id, "");
        assert.equal(await client.id(), id, "stable across requests");
      }
      assert.match(await client.version(), /^\d+\.\d+/);
      assert.equal(await client.apiVersion(), "1.41");
      assert.equal(client.type, expectedType);
      assert.equal(client.api, host);
    });

    it("follows start, pause, unpause, restart, kill and immediate exits as events", { skip, ...TIMEOUT }, async () => {
      const sleeper = uniqueName("ev");
      const oneshot = uniqueName("oneshot");
      const compose = uniqueName("composed");
      for (const name of [sleeper, oneshot, compose]) cleanup.docker(host, name);
      await using client = liveClient(host);
      await using collector = new EventCollector(client);
      await collector.stream.subscribed;

      const id = await runSleeper(host, sleeper);
      await collector.waitFor("started", id);
      const firstPid = (await client.inspect(id))!.pid;
      assert.ok(firstPid > 0);

      await execProbe(host, sleeper, expectedType === "podman.io");
      await dockerOk(host, "pause", sleeper);
      await collector.waitFor("paused", id);
      assert.equal((await client.inspect(id))?.paused, true);
      await dockerOk(host, "unpause", sleeper);
      await collector.waitFor("unpaused", id);

      await dockerOk(host, "restart", "-t", "0", sleeper);
      await collector.waitFor("exited", id);
      await collector.waitFor("started", id, 2);
      const restarted = await client.inspect(id);
      assert.ok(restarted && restarted.pid > 0 && restarted.pid !== firstPid, "a restart gives a new PID");

      await dockerOk(host, "kill", sleeper);
      await collector.waitFor("exited", id, 2);
      assert.equal(await client.inspect(id), undefined);

      const oneshotId = await dockerOk(host, "run", "-d", "--network", "none", "--name", oneshot, testImage(), "true");
      await collector.waitFor("started", oneshotId);
      const [exit] = await collector.waitFor("exited", oneshotId);
      assert.equal(exit!.type === "exited" && exit!.project, "");

      const composedId = await runSleeper(host, compose, "--label", "com.docker.compose.project=gamma");
      await collector.waitFor("started", composedId);
      await dockerOk(host, "stop", "-t", "0", compose);
      const [composedExit] = await collector.waitFor("exited", composedId);
      assert.equal(composedExit!.type === "exited" && composedExit!.project, "gamma", "the exit carries the project");

      // An exec's exit is no container exit, and nothing but the lifecycle was reported.
      assert.deepEqual(
        collector.of(id).map((e) => e.type).sort(),
        ["exited", "exited", "paused", "started", "started", "unpaused"],
      );
      for (const e of collector.events) assert.ok(Number.isFinite(e.time) && e.time > 1.6e12, `time ${e.time}`);
    });

    it("replays events from `since` (reconnect)", { skip, ...TIMEOUT }, async () => {
      const name = uniqueName("replayed");
      cleanup.docker(host, name);
      const before = Date.now() - 2000;
      const id = await runSleeper(host, name);
      await dockerOk(host, "kill", name);
      await using client = liveClient(host);
      await using collector = new EventCollector(client, before);
      await collector.waitFor("started", id);
      await collector.waitFor("exited", id);
    });

    it("ends the event iteration quietly on abort and cancels it on break", { skip, ...TIMEOUT }, async () => {
      await using client = liveClient(host);
      const abort = new AbortController();
      const stream = client.lifecycleEvents({ signal: abort.signal });
      await stream.subscribed;
      setTimeout(() => abort.abort(), 200);
      for await (const _ of stream) { /* idle engine */ }
      // Reaching here without a throw is "quietly"; and only the abort may have ended it.
      assert.equal(abort.signal.aborted, true);

      const name = uniqueName("breaker");
      cleanup.docker(host, name);
      const second = client.lifecycleEvents({ signal: new AbortController().signal });
      await second.subscribed;
      const id = await runSleeper(host, name);
      const iterator = second[Symbol.asyncIterator]();
      // Earlier tests' containers may still be going away: skip to this one's event.
      let next = await iterator.next();
      while (next.done !== true && next.value.id !== id) next = await iterator.next();
      assert.equal(next.done, false, "the new container's event came through");
      // break = return(): the stream is cancelled, so nothing more comes although the engine goes on.
      await iterator.return?.();
      await dockerOk(host, "kill", name);
      assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    });
  });
}

describe("DockerClient pointed at a real containerd socket", () => {
  const containerd = containerdEngine();
  it("fails with EngineProtocolError and a hint, not a hang", { skip: containerd.skip, timeout: 30_000 }, async () => {
    await using client = new DockerClient({ host: `unix://${containerd.endpoint}`, env: {} });
    await assert.rejects(within("the list's protocol error", client.list()), (error: unknown) => {
      assert.ok(error instanceof EngineProtocolError, String(error));
      assert.equal(error.endpoint, `unix://${containerd.endpoint}`);
      assert.match(error.hint, /containerd/);
      return true;
    });
  });
});
