/**
 * Discovery: the process scan on the fixture tree (what is skipped, what is
 * tried), and against the real private engines, which listen only at
 * unusual paths and so are found through /proc only; a symlink named by
 * DOCKER_HOST leads to the same engine once.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { discoverEngines } from "../../engines/discovery.ts";
import { containerdEngine, criEngine, dockerEngine } from "../support/engines.ts";
import { ProcView } from "../support/proc-view.ts";
import { tcpForwarder } from "../support/unix-server.ts";

const FIXTURE = fileURLToPath(new URL("../../fixtures/proc/host", import.meta.url));

describe("discovery on a fixture /proc", () => {
  it("tries engine processes' API sockets, skipping shim, abstract and foreign sockets", async () => {
    const report = await discoverEngines({ procRoot: FIXTURE, wellKnown: false, probeTimeout: 500 });
    const tried = report.candidates.filter((c) => c.sources.some((s) => s.method === "process"));
    assert.deepEqual(tried.map((c) => [c.kind, c.endpoint, c.outcome.status]), [
      ["docker", "unix:///run/my docker.sock", "not-found"],
      ["docker", "unix:///run/gone.sock (deleted)", "not-found"],
      ["containerd", `${FIXTURE}/200/root/run/containerd/containerd.sock`, "not-found"],
      // containerd's socket is also tried as CRI (its CRI plugin).
      ["cri", `${FIXTURE}/200/root/run/containerd/containerd.sock`, "not-found"],
    ]);
    assert.ok(!report.candidates.some((c) => c.endpoint.includes(".ttrpc") || c.endpoint.includes("@")));
    assert.equal(report.engines.length, 0);
    assert.equal(report.processScan, true);
  });
});

describe("discovery of real engines", () => {
  const docker = dockerEngine();
  const containerd = containerdEngine();
  it("finds the private dockerd and containerd through /proc, each once, also via a symlink", {
    skip: docker.skip ?? containerd.skip,
    timeout: 60_000,
  }, async () => {
    const socket = docker.endpoint!.replace(/^unix:\/\//, "");
    const dir = mkdtempSync(join(tmpdir(), "ww-di-"));
    const link = join(dir, "d.sock");
    symlinkSync(socket, link);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${link}`;
    try {
      // A long probe time: this scan probes every engine on the machine, which may be busy.
      const report = await discoverEngines({ probeTimeout: 30_000 });
      const dockers = report.engines.filter((e) => e.api === `unix://${link}` || e.alsoAt.includes(`unix://${link}`));
      assert.equal(dockers.length, 1, JSON.stringify(report.engines));
      assert.equal(dockers[0]!.type, "docker.com");
      assert.ok(dockers[0]!.alsoAt.includes(docker.endpoint!), "the process-found path is the same engine");
      assert.ok(dockers[0]!.pid > 0);
      const containerds = report.engines.filter((e) => e.api === containerd.endpoint);
      assert.equal(containerds.length, 1);
      assert.equal(containerds[0]!.sources[0]!.method, "process");
      // dockerd's own containerd is not offered again.
      const own = report.candidates.find((c) => c.endpoint === socket.replace(/docker\.sock$/, "containerd/containerd.sock"));
      assert.equal(own?.outcome.status, "skipped");
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("discovery of a dockerd reached over TCP as well", () => {
  const docker = dockerEngine();
  it("a TCP DOCKER_HOST leading to the dockerd found through /proc is one engine (its engine ID)", {
    skip: docker.skip,
    timeout: 60_000,
  }, async () => {
    const socket = docker.endpoint!.replace(/^unix:\/\//, "");
    // Only this dockerd's process in the scan: other suites' engines stay out.
    const view = new ProcView((_pid, comm, cmdline) => comm === "dockerd" && cmdline.includes(`${docker.endpoint}\0`));
    const forwarder = await tcpForwarder(socket);
    const tcp = `tcp://127.0.0.1:${forwarder.address}`;
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = tcp;
    try {
      assert.equal(view.refresh().length, 1, "the dockerd's process");
      const report = await discoverEngines({ procRoot: view.dir, wellKnown: false, kinds: ["docker"], probeTimeout: 30_000 });
      assert.equal(report.engines.length, 1, JSON.stringify(report.engines));
      const [engine] = report.engines;
      assert.deepEqual([engine!.type, engine!.api, engine!.alsoAt], ["docker.com", tcp, [docker.endpoint]], "the address the user set first");
      assert.deepEqual(engine!.sources.map((s) => s.method), ["configured", "process"]);
      assert.match(engine!.key, new RegExp(`@pid:${engine!.pid}$`));
      assert.ok(engine!.pid > 0, "its process is known from the socket's");
      const tcpCandidate = report.candidates.find((c) => c.endpoint === tcp);
      assert.deepEqual(tcpCandidate?.outcome.status === "found" && tcpCandidate.outcome.engine.key, engine!.key);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      await forwarder.close();
      view.close();
    }
  });
});

describe("discovery of a containerd with its CRI plugin", () => {
  const containerd = containerdEngine();
  const cri = criEngine();
  it("offers it as its native view and as CRI, each once, also through a symlink; a plain containerd is no CRI", {
    skip: cri.skip ?? containerd.skip,
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-dc-"));
    const link = join(dir, "cri.sock");
    symlinkSync(cri.endpoint!, link);
    const saved = process.env.CONTAINER_RUNTIME_ENDPOINT;
    process.env.CONTAINER_RUNTIME_ENDPOINT = `unix://${link}`;
    try {
      // A long probe time: this scan probes every engine on the machine, which may be busy.
      const report = await discoverEngines({ probeTimeout: 30_000 });
      const at = (kind: string) =>
        report.engines.filter((e) => e.kind === kind && (e.api === cri.endpoint || e.alsoAt.includes(cri.endpoint!)));
      assert.equal(at("cri").length, 1, JSON.stringify(report.engines));
      assert.equal(at("containerd").length, 1, JSON.stringify(report.engines));
      const [view] = at("cri");
      assert.deepEqual([view!.api, view!.alsoAt], [link, [cri.endpoint]], "the configured path first, the process' path the same engine");
      assert.ok(view!.pid > 0, "its process is known");
      assert.match(view!.version, /containerd/);
      const plain = report.candidates.find((c) => c.kind === "cri" && c.endpoint === containerd.endpoint);
      assert.ok(plain !== undefined && plain.outcome.status !== "found", "containerd without its CRI plugin is not a CRI engine");
      assert.ok(!report.engines.some((e) => e.kind === "cri" && e.api === containerd.endpoint));
    } finally {
      if (saved === undefined) delete process.env.CONTAINER_RUNTIME_ENDPOINT;
      else process.env.CONTAINER_RUNTIME_ENDPOINT = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
