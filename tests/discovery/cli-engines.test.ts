/** `whalewatcher engines`: argument parsing and both renderings of a discovery report. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgs } from "../../cli/args.ts";
import { renderDiscovery, renderDiscoveryJson } from "../../cli/engines.ts";
import type { DiscoveredEngine, DiscoveryReport } from "../../lib/discovery/types.ts";

const engine: DiscoveredEngine = {
  key: "docker/socket:1:2",
  kind: "docker",
  type: "podman.io",
  api: "unix:///run/podman/podman.sock",
  version: "4.3.1",
  id: "",
  pid: 42,
  sources: [{ method: "well-known", detail: "/run/podman/podman.sock" }],
  alsoAt: ["unix:///var/run/podman/podman.sock"],
};
const report: DiscoveryReport = {
  engines: [engine],
  candidates: [
    { kind: "docker", endpoint: engine.api, sources: engine.sources, outcome: { status: "found", engine } },
    {
      kind: "docker",
      endpoint: "unix:///var/run/podman/podman.sock",
      sources: [{ method: "configured", detail: "$DOCKER_HOST" }],
      outcome: { status: "found", engine, duplicateOf: engine.key },
    },
    {
      kind: "containerd",
      endpoint: "/run/containerd/containerd.sock",
      sources: [{ method: "well-known", detail: "/run/containerd/containerd.sock" }],
      outcome: { status: "permission-denied", error: new Error("EACCES") },
    },
  ],
  processScan: false,
  notes: ["/proc may not be read"],
};

describe("whalewatcher engines", () => {
  it("is a command of its own", () => {
    assert.equal(parseArgs(["engines", "--json"]).command, "engines");
    assert.equal(parseArgs(["--json"]).command, "show");
  });
  it("explains every candidate in text", () => {
    const text = renderDiscovery(report);
    assert.match(text, /1 engine\(s\) found/);
    assert.match(text, /same engine as unix:\/\/\/run\/podman\/podman.sock/);
    assert.match(text, /permission-denied: EACCES/);
    assert.match(text, /note: \/proc may not be read/);
  });
  it("renders one JSON document with errors as name and message", () => {
    const json = JSON.parse(renderDiscoveryJson(report));
    assert.equal(json.engines[0].key, engine.key);
    assert.deepEqual(json.candidates[1].outcome, { status: "found", engine: engine.key, duplicateOf: engine.key });
    assert.deepEqual(json.candidates[2].outcome, { status: "permission-denied", error: { name: "Error", message: "EACCES" } });
  });
});
