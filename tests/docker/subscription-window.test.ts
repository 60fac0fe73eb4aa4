/**
 * Docker's subscription window, attacked through the fake Docker server: the client's `subscribed`
 * settles as soon as the `/events` request is issued, before dockerd has registered it, and the client
 * closes that window by asking for `since = engine clock − margin`. Here the server holds the
 * registration, an event happens in the window, and it must still arrive; a resubscription's backlog
 * (`since` … `until`, then the response ends) must bring back exactly what was missed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DockerClient } from "../../engines/docker/mod.ts";
import type { EngineEvent, EventStream } from "../../lib/engine.ts";
import { FakeDocker, startLine } from "../support/fake-docker.ts";

const TIMEOUT = { timeout: 30_000 };
const empty = (): FakeDocker => new FakeDocker({ list: new TextEncoder().encode("[]"), inspect: new Map(), events: new Uint8Array() });
const start = (id: string, timeNano?: number): Record<string, unknown> => ({
  ...(JSON.parse(startLine(id)) as Record<string, unknown>),
  ...(timeNano !== undefined ? { timeNano } : {}),
});

/** The first `count` events of a stream, then stops it. */
async function first(stream: EventStream, count: number, stop: AbortController): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) break;
  }
  stop.abort();
  return events;
}

/** The events of a stream up to and including the one of container `id`, then stops it. */
async function through(stream: EventStream, id: string, stop: AbortController): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (event.id === id) break;
  }
  stop.abort();
  return events;
}

describe("Docker subscription window (fake Docker server)", () => {
  it("an event after `subscribed` but before the engine registered the subscription still arrives", TIMEOUT, async () => {
    await using fake = await empty().listen();
    await using client = new DockerClient({ host: fake.host, env: {} });
    fake.holdSubscriptions();
    const stop = new AbortController();
    const stream = client.lifecycleEvents({ signal: stop.signal });
    await stream.subscribed;
    assert.equal(fake.liveSubscriptions, 0, "the window is open: subscribed, but not registered yet");
    fake.emit(start("in-the-window"));
    const registered = fake.nextRegistration();
    fake.releaseSubscriptions(); // or the request arrives later, unheld: the window lasts until then
    await registered;
    fake.emit(start("after-the-window")); // live: the last event the stream must yield
    const events = await through(stream, "after-the-window", stop);
    assert.deepEqual(events.map((e) => [e.type, e.id]), [["started", "in-the-window"], ["started", "after-the-window"]]);
  });

  it("a resubscription with `since` gets the backlog from then on, ended by `until`, then live events", TIMEOUT, async () => {
    await using fake = await empty().listen();
    await using client = new DockerClient({ host: fake.host, env: {} });
    const now = Date.now();
    fake.emit(start("before", (now - 5000) * 1e6));
    fake.emit(start("missed", (now - 2000) * 1e6));
    const stop = new AbortController();
    const stream = client.lifecycleEvents({ signal: stop.signal, since: now - 3000 });
    await stream.subscribed;
    assert.ok(fake.requests.some((r) => /\/events\?since=[\d.]+&until=/.test(r)), "a bounded backlog request");
    const live = first(stream, 2, stop);
    fake.emit(start("live"));
    const events = await live;
    assert.deepEqual(events.map((e) => e.id), ["missed", "live"], "nothing before since, the missed one once");
  });
});
