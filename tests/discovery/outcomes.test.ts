/**
 * Candidate outcomes at well-known places laid out in a temporary runtime
 * directory: a socket speaking another protocol, a plain file, and a
 * socket-activated stand-in (a listener the test owns that starts answering
 * like an engine once connected).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { discoverEngines } from "../../engines/discovery.ts";
import { httpServer, makeTempDir, rawServer, type TempDir, type TestServer } from "../support/unix-server.ts";

describe("discovery outcomes", () => {
  let dir: TempDir;
  const servers: TestServer[] = [];

  before(async () => {
    dir = makeTempDir();
    mkdirSync(join(dir.path, "1000", "podman"), { recursive: true });
    mkdirSync(join(dir.path, "1001", "podman"), { recursive: true });
    // uid 1000: rootless Docker's place answers in another protocol.
    servers.push(await rawServer(join(dir.path, "1000", "docker.sock"), (socket) => socket.end("SSH-2.0-not-http\r\n")));
    // uid 1000: podman's place is a plain file.
    writeFileSync(join(dir.path, "1000", "podman", "podman.sock"), "");
    // uid 1001: an activated Docker API answers once connected.
    servers.push(await httpServer(join(dir.path, "1001", "podman", "podman.sock"), (req, res) => {
      res.setHeader("Content-Type", "application/json");
      if (req.url?.endsWith("/_ping")) res.end("OK");
      else if (req.url?.endsWith("/version")) res.end(JSON.stringify({ Version: "4.3.1", ApiVersion: "1.41", Components: [{ Name: "Podman Engine" }] }));
      else res.end(JSON.stringify({ ID: "random" }));
    }));
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    dir.remove();
  });

  it("tells another protocol, a non-socket and an answering engine apart", { timeout: 30_000 }, async () => {
    const report = await discoverEngines({ processScan: false, userRuntimeRoot: dir.path, probeTimeout: 3_000 });
    const at = (path: string) => report.candidates.find((c) => c.endpoint === `unix://${join(dir.path, path)}`)?.outcome;
    assert.equal(at("1000/docker.sock")?.status, "wrong-protocol");
    assert.equal(at("1000/podman/podman.sock")?.status, "wrong-protocol");
    const activated = at("1001/podman/podman.sock");
    assert.equal(activated?.status, "found", JSON.stringify(activated));
    assert.equal(activated.status === "found" && activated.engine.type, "podman.io");
    assert.match(activated.status === "found" ? activated.engine.key : "", /^docker\/socket:\d+:\d+$/);
    assert.equal(report.processScan, false);
  });
});
