/**
 * HostWatcher against the real private engines: real discovery lists each
 * once in the merged view; a scripted discovery over the same engines drives
 * an engine appearing (watched, its containers in the merged stream) and
 * vanishing (reported, dropped).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostWatcher } from "../../engines/host.ts";
import type { DiscoveredEngine } from "../../lib/discovery/types.ts";
import { containerdEngine, dockerEngine } from "../support/engines.ts";
import { nextMatching } from "../support/host-events.ts";

const docker = dockerEngine();
const containerd = containerdEngine();
const skip = docker.skip ?? containerd.skip;

describe("HostWatcher on real engines", () => {
  it("real discovery: the private dockerd and containerd, each once, synced", { skip, timeout: 60_000 }, async () => {
    await using host = hostWatcher({ rescanInterval: 0 });
    await host.rescan();
    const views = host.engines();
    assert.equal(views.filter((v) => v.engine.api === docker.endpoint || v.engine.alsoAt.includes(docker.endpoint!)).length, 1);
    assert.equal(views.filter((v) => v.engine.api === containerd.endpoint).length, 1);
    assert.equal(new Set(views.map((v) => v.engine.key)).size, views.length);
  });

  it("scripted discovery: an engine appears, is watched, then vanishes and is dropped", { skip, timeout: 60_000 }, async () => {
    const found = (await (await import("../../engines/discovery.ts")).discoverEngines()).engines;
    const dockerFound = found.find((e) => e.api === docker.endpoint || e.alsoAt.includes(docker.endpoint!));
    const containerdFound = found.find((e) => e.api === containerd.endpoint);
    assert.ok(dockerFound && containerdFound);
    let now: DiscoveredEngine[] = [containerdFound];
    await using host = hostWatcher({ rescanInterval: 0, discover: () => Promise.resolve(now) });
    const events = host.events();
    await host.rescan();
    assert.deepEqual(host.engines().map((v) => v.engine.key), [containerdFound.key]);
    now = [containerdFound, dockerFound];
    await host.rescan();
    const appeared = await nextMatching(events, (e) => e.type === "engine-appeared" && e.key === dockerFound.key);
    assert.equal(appeared.type, "engine-appeared");
    assert.deepEqual(host.engines().map((v) => v.engine.key).sort(), [containerdFound.key, dockerFound.key].sort());
    now = [dockerFound];
    await host.rescan();
    await nextMatching(events, (e) => e.type === "engine-vanished" && e.key === containerdFound.key);
    assert.deepEqual(host.engines().map((v) => v.engine.key), [dockerFound.key]);
    await host.close();
    assert.equal((await events.next()).done, true, "close ends the merged stream");
  });
});
