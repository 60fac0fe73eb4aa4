/**
 * The whole client, engine-less: against a fake containerd that serves the
 * recorded list responses and replays the recorded event envelopes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import type { EngineEvent } from "../../lib/engine.ts";
import { EngineApiError, EngineUnavailableError } from "../../lib/errors.ts";
import { recordedEnvelopes } from "./fixtures.ts";
import { startFakeContainerd } from "../support/fake-containerd.ts";

describe("containerd client on recorded responses (fake containerd)", () => {
  it("lists alive containers of all but the ignored namespaces, naming each namespace in the header", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd();
    await using client = new ContainerdClient({ socket: fake.socket });
    const ids = (await client.list()).map((c) => c.id).sort();
    assert.deepEqual(ids, ["custom/lst-custom", "lst-paused", "lst-web"]);
    assert.deepEqual([...new Set(fake.namespaceHeaders)].sort(), ["custom", "default"], "moby must not even be asked");
    await using everything = new ContainerdClient({ socket: fake.socket, ignoredNamespaces: [] });
    assert.ok((await everything.list()).some((c) => c.id === "moby/lst-moby"));
  });

  it("inspects by ID and nerdctl name; undefined for created-only, unknown and ignored", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd();
    await using client = new ContainerdClient({ socket: fake.socket });
    assert.equal((await client.inspect("custom/lst-custom"))?.name, "custom/db");
    assert.equal((await client.inspect("lst-paused"))?.paused, true);
    assert.equal(await client.inspect("lst-created"), undefined);
    assert.equal(await client.inspect("nope"), undefined);
    assert.equal(await client.inspect("moby/lst-moby"), undefined);
  });

  it("gives an empty ID and PID 0 where containerd has no introspection service", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd();
    await using client = new ContainerdClient({ socket: fake.socket });
    assert.equal(await client.id(), "");
    assert.equal(client.pid, 0);
    assert.equal(await client.version(), "fake recorded");
    await using byUrl = new ContainerdClient({ socket: `unix://${fake.socket}` });
    assert.equal(byUrl.api, fake.socket);
    assert.equal(await byUrl.version(), "fake recorded");
  });

  it("streams the recorded lifecycle: exec exit ignored, moby dropped, unknown topics reported", { timeout: 30_000 }, async () => {
    const warnings: string[] = [];
    const called: string[] = [];
    const recordCalls = (method: string) => void called.push(method.slice(method.lastIndexOf("/") + 1));
    await using fake = await startFakeContainerd();
    await using client = new ContainerdClient({
      socket: fake.socket,
      logger: { warn: (message) => void warnings.push(message) },
      onCall: recordCalls,
    });
    const controller = new AbortController();
    const stream = client.lifecycleEvents({ signal: controller.signal });
    await stream.subscribed;
    const events: EngineEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 5) controller.abort();
    }
    assert.deepEqual(events.map((e) => `${e.type} ${e.id}`), [
      "started rec1", "paused rec1", "unpaused rec1", "exited rec1", "exited rec1",
    ]);
    // The fake sends every recorded envelope (containerd's filters would drop
    // the others); those before the last awaited event are reported.
    const reported = warnings.map((w) => /skipping containerd event "([^"]+)" in namespace "default": unknown topic/.exec(w)?.[1]);
    assert.deepEqual(reported, ["/containers/create", "/tasks/create", "/tasks/exec-added", "/tasks/exec-started"]);
    assert.ok(recordedEnvelopes().some(({ envelope }) => envelope.namespace === "moby" && envelope.topic === "/tasks/start"));
    assert.deepEqual([...new Set(called)].sort(), ["Subscribe", "Version"]);
  });

  it("an endpoint without the Namespaces service gives EngineApiError UNIMPLEMENTED", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd({ withoutNamespaces: true });
    await using client = new ContainerdClient({ socket: fake.socket });
    await assert.rejects(client.list(), (error: unknown) => {
      assert.ok(error instanceof EngineApiError, String(error));
      assert.equal(error.status, 12);
      assert.equal(error.endpoint, fake.socket);
      return true;
    });
  });

  it("a stream that containerd ends throws EngineUnavailableError after the events", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd({ afterEnvelopes: "end" });
    await using client = new ContainerdClient({ socket: fake.socket, logger: { warn() {} } });
    const stream = client.lifecycleEvents({ signal: new AbortController().signal });
    const events: EngineEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of stream) events.push(event);
      })(),
      (error: unknown) => error instanceof EngineUnavailableError && /ended the event stream/.test(error.message),
    );
    assert.equal(events.length, 5);
  });

  it("a failing subscription rejects `subscribed` and throws from iteration with EngineApiError", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd({ envelopes: [], afterEnvelopes: "fail" });
    await using client = new ContainerdClient({ socket: fake.socket });
    const stream = client.lifecycleEvents({ signal: new AbortController().signal });
    await assert.rejects(stream.subscribed, (error: unknown) => error instanceof EngineApiError && error.status === 3);
    await assert.rejects(
      (async () => {
        for await (const _ of stream) assert.fail("no event expected");
      })(),
      (error: unknown) => error instanceof EngineApiError && error.status === 3,
    );
  });

  it("breaking out of the iteration cancels the subscription on the server", { timeout: 30_000 }, async () => {
    await using fake = await startFakeContainerd();
    await using client = new ContainerdClient({ socket: fake.socket, logger: { warn() {} } });
    for await (const _ of client.lifecycleEvents({ signal: new AbortController().signal })) break;
    // The session stays usable and the server saw the cancel: a fresh subscription starts from the top.
    const again: EngineEvent[] = [];
    const controller = new AbortController();
    for await (const event of client.lifecycleEvents({ signal: controller.signal })) {
      again.push(event);
      controller.abort();
    }
    assert.equal(again[0]?.type, "started");
  });

  it("accepts responses up to 16 MiB and refuses bigger ones with a typed error", { timeout: 60_000 }, async () => {
    {
      // Three containers of 5 MiB each: over gRPC's usual 4 MiB, under 16 MiB.
      await using fake = await startFakeContainerd({ labelBytes: 5 << 20 });
      await using client = new ContainerdClient({ socket: fake.socket });
      assert.equal((await client.list()).find((c) => c.id === "lst-web")?.labels["bloat"]?.length, 5 << 20);
    }
    {
      await using fake = await startFakeContainerd({ labelBytes: 6 << 20 });
      await using client = new ContainerdClient({ socket: fake.socket });
      await assert.rejects(client.list(), (error: unknown) => {
        assert.ok(error instanceof EngineApiError, String(error));
        assert.equal(error.status, 8); // RESOURCE_EXHAUSTED
        return true;
      });
    }
  });
});
