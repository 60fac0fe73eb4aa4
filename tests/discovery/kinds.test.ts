/**
 * Selecting engine kinds by name for discovery and the host watcher: only those kinds' candidates are
 * tried, and a name whalewatcher does not know is refused before anything is probed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverEngines } from "../../engines/discovery.ts";
import { hostWatcher } from "../../engines/host.ts";
import { registryKinds } from "../../engines/registry.ts";

describe("engine kinds by name", () => {
  it("registryKinds keeps the named kinds in registry order, all of them without names", () => {
    assert.deepEqual(registryKinds(["cri", "docker"]).map((kind) => kind.name), ["docker", "cri"]);
    assert.ok(registryKinds(undefined).length >= 4);
    assert.throws(() => registryKinds(["kubernetes"]), (e: unknown) => e instanceof RangeError && /kubernetes.*known: docker/.test(e.message));
  });

  it("discoverEngines tries only the candidates of the named kinds", async () => {
    const report = await discoverEngines({ kinds: ["containerd"], processScan: false, probeTimeout: 500, userRuntimeRoot: "/nonexistent" });
    assert.ok(report.candidates.length > 0, "containerd's well-known places were tried");
    assert.deepEqual([...new Set(report.candidates.map((c) => c.kind))], ["containerd"]);
  });

  it("discoverEngines and hostWatcher refuse an unknown kind", async () => {
    await assert.rejects(discoverEngines({ kinds: ["kubernetes"], processScan: false }), RangeError);
    assert.throws(() => hostWatcher({ kinds: ["kubernetes"] }), RangeError);
  });
});
