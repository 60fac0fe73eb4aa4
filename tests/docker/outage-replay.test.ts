/**
 * More than dockerd's 256 remembered events during an outage (through the fake Docker server, whose log
 * is bounded like dockerd's): the resubscription's `since` replay has lost the oldest, and the resync's
 * list and diff must account for them. The portfolio ends right and nothing is reported for containers
 * that came and went unseen.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DockerClient } from "../../engines/docker/mod.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import { DOCKERD_EVENT_LOG, FakeDocker, inspectJson } from "../support/fake-docker.ts";
import type { FakeDockerScript } from "../support/fake-docker.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const event = (action: string, id: string): Record<string, unknown> => ({
  Type: "container",
  Action: action,
  Actor: { ID: id, Attributes: {} },
});

/** Events until one matches `done` (reading with next(): a for-await that returns would end the subscription). */
async function until(events: AsyncIterator<LifecycleEvent>, done: (e: LifecycleEvent) => boolean): Promise<LifecycleEvent[]> {
  const seen: LifecycleEvent[] = [];
  for (let next = await events.next(); !next.done; next = await events.next()) {
    seen.push(next.value);
    if (done(next.value)) return seen;
  }
  throw new Error(`the events ended before the awaited one; saw ${seen.map((e) => `${e.type} ${e.container.id}`)}`);
}

describe("Docker: more events during an outage than the engine keeps", () => {
  it(`over ${DOCKERD_EVENT_LOG} events while disconnected: the resync still converges, nothing unseen is reported`, {
    timeout: 60_000,
  }, async () => {
    const script: FakeDockerScript = { list: bytes("[]"), inspect: new Map(), events: new Uint8Array() };
    await using fake = await new FakeDocker(script).listen();
    await using client = new DockerClient({ host: fake.host, env: {} });
    const watcher = new Watcher(client, { backoff: { initialMs: 10, maxMs: 10 } });
    const events = watcher.events({ buffer: 10_000 });
    const watching = watcher.watch();
    try {
      await watcher.ready;
      script.inspect.set("web", bytes(inspectJson("web", 100)));
      script.list = bytes('[{"Id":"web"}]');
      fake.emit(event("start", "web"));
      await until(events, (e) => e.type === "started" && e.container.id === "web");

      // The outage: every stream dropped, subscriptions refused (retryable) while the engine goes on.
      fake.refuseEvents("503 Service Unavailable");
      fake.dropConnections();
      fake.emit(event("die", "web")); // the oldest: lost from the engine's log by the end
      script.inspect.delete("web");
      for (let i = 0; i < DOCKERD_EVENT_LOG; i++) {
        fake.emit(event("start", `gone-${i}`));
        fake.emit(event("die", `gone-${i}`));
      }
      script.inspect.set("late", bytes(inspectJson("late", 200)));
      script.list = bytes('[{"Id":"late"}]');
      fake.emit(event("start", "late"));
      fake.refuseEvents(undefined);

      const after = await until(events, (e) => e.type === "started" && e.container.id === "late");
      const seen = after.map((e) => `${e.type} ${e.container.id}`);
      assert.ok(seen.includes("exited web"), `the exit lost from the log is found by the resync: ${seen}`);
      assert.deepEqual(seen.filter((s) => s.includes("gone-")), [], "nothing for containers that came and went unseen");
      assert.deepEqual([...watcher.portfolio.allContainers()].map((c) => c.id), ["late"]);
    } finally {
      await watcher.close();
      await watching;
    }
  });
});
