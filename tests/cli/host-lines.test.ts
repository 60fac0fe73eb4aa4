/** The CLI's host mode without engines: when it applies, `--proc`, and the engine-appeared/vanished lines. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgs } from "../../cli/args.ts";
import { discoveryWanted, engineEventLine } from "../../cli/host.ts";
import type { DiscoveredEngine } from "../../lib/discovery/types.ts";

const engine: DiscoveredEngine = {
  key: "containerd/socket:1:2",
  kind: "containerd",
  type: "containerd.io",
  api: "/run/c.sock",
  version: "1.7.0",
  id: "",
  pid: 7,
  sources: [],
  alsoAt: [],
};
const at = new Date("2026-12-02T10:00:00.000Z");

describe("CLI host mode", () => {
  it("applies to --engine all without endpoint options only; --proc names the /proc tree", () => {
    assert.equal(discoveryWanted(parseArgs([])), true);
    assert.equal(discoveryWanted(parseArgs(["--watch", "--proc", "/host/proc"])), true);
    assert.equal(parseArgs(["--proc", "/host/proc"]).procRoot, "/host/proc");
    assert.equal(parseArgs([]).procRoot, undefined);
    assert.equal(discoveryWanted(parseArgs(["--engine", "docker"])), false);
    assert.equal(discoveryWanted(parseArgs(["--containerd", "/run/c.sock"])), false);
  });

  it("prints engine-appeared/vanished as NDJSON and text, not for -q, --format or a filtered-out engine", () => {
    const options = parseArgs(["--json"]);
    const json = JSON.parse(engineEventLine({ type: "engine-appeared", key: engine.key, engine }, options, { color: false }, at));
    assert.deepEqual(json, {
      type: "engine-appeared",
      time: at.toISOString(),
      engine: { kind: "containerd", type: "containerd.io", api: "/run/c.sock", id: "", version: "1.7.0" },
    });
    const text = engineEventLine({ type: "engine-vanished", key: engine.key, engine }, parseArgs([]), { color: false }, at);
    assert.equal(text, `${at.toISOString()}  containerd.io  engine-vanished  /run/c.sock  1.7.0\n`);
    const event = { type: "engine-appeared", key: engine.key, engine } as const;
    assert.equal(engineEventLine(event, parseArgs(["-q"]), { color: false }, at), "");
    assert.equal(engineEventLine(event, parseArgs(["--format", "{{.ID}}"]), { color: false }, at), "");
    assert.equal(engineEventLine(event, parseArgs(["--filter", "engine=docker"]), { color: false }, at), "");
    assert.notEqual(engineEventLine(event, parseArgs(["--filter", "engine=containerd"]), { color: false }, at), "");
  });
});
