/**
 * A real containerd inside a container of the private dockerd: the test
 * starts a busybox container (own PID, mount and network namespaces), then
 * an inner containerd in that container's PID and mount namespaces with
 * `nsenter`, and runs one container on it with `ctr`.
 *
 * How, and why so: the busybox rootfs has no containerd, runc or shim, so
 * the outer container bind-mounts the host's / at /host and the inner
 * containerd is chroot'ed there (`nsenter --root`). runc, inside the PID
 * namespace, must see a /proc of that namespace (it reads /proc/<its
 * child>), so the container's own /proc is bound over /host/proc in the
 * container's mount namespace only (the bind is private: the host's /proc
 * is untouched). The container cannot be `--privileged` on this machine
 * (root lacks capabilities runc would apply), and needs not: nsenter'd
 * processes keep the caller's capabilities. The inner engine is thus a child
 * of nsenter, not of the container's initial process: it is found in the
 * container by its PID namespace (as `docker exec`'d processes are).
 *
 * Checked: discovery reports the inner containerd with the dockerd and that
 * container as its parent; a host watcher over both shows the inner
 * container with its host PID (the engine reports the PID of its own
 * namespace) and the labels naming the outer container and engine, and
 * resolves the inner container's process to it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { discoverEngines } from "../../engines/discovery.ts";
import { hostWatcher } from "../../engines/host.ts";
import { sleep } from "../../lib/async/wait.ts";
import type { DiscoveredEngine } from "../../lib/discovery/types.ts";
import { OUTER_CONTAINER_ID_LABEL, OUTER_CONTAINER_NAME_LABEL, OUTER_ENGINE_LABEL } from "../../lib/model/labels.ts";
import { startChild } from "../support/child.ts";
import {
  containerdEngine,
  ctr,
  docker,
  dockerEngine,
  engineSkip,
  EngineCleanup,
  runCli,
  stdoutOf,
  testImage,
  testRootfs,
  uniqueName,
} from "../support/engines.ts";

const dockerFound = dockerEngine();
const skip = engineSkip("docker", dockerFound, process.getuid?.() !== 0 ? "needs root to enter a container's namespaces" : undefined) ??
  engineSkip("containerd", containerdEngine(), testRootfs() === undefined ? "no busybox rootfs for ctr run" : undefined);

/** Waits until `ready` holds, polling (the inner containerd binds its socket shortly after starting). */
async function until(what: string, ready: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

/** The host PID of the process whose command line is exactly `args` (found without NSpid: by its arguments). */
function hostPidOf(args: readonly string[]): number | undefined {
  const wanted = `${args.join("\0")}\0`;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8") === wanted) return Number(name);
    } catch { /* exited meanwhile */ }
  }
  return undefined;
}

describe("a real containerd inside a container of the private dockerd", { skip }, () => {
  const host = dockerFound.endpoint!;
  const cleanup = new EngineCleanup();
  // Short: the inner engine's socket is reached as /proc/<pid>/root/<path>, and unix socket paths end at 107 bytes.
  const dir = mkdtempSync("/tmp/ww-nd-");
  const socket = `${dir}/containerd.sock`;
  const outerName = uniqueName("ww-outer");
  const innerId = uniqueName("ww-inner");
  const sleepArgs = ["/bin/sleep", `${600 + Math.floor(Math.random() * 1000)}`];
  let outerId = "";
  let innerEngine: DiscoveredEngine | undefined;
  let outerEngine: DiscoveredEngine | undefined;

  before(async () => {
    cleanup.docker(host, outerName); // ends every process in its PID namespace: the inner containerd, its shim and container
    outerId = stdoutOf(await docker(host, "run", "-d", "--name", outerName, "--network", "none", "-v", "/:/host", testImage(), "sleep", "900"), "docker run");
    const pid = stdoutOf(await docker(host, "inspect", "-f", "{{.State.Pid}}", outerId), "docker inspect");
    stdoutOf(await runCli("nsenter", ["-t", pid, "-m", "--", "/bin/mount", "--bind", "/proc", "/host/proc"]), "bind /proc");
    writeFileSync(
      `${dir}/config.toml`,
      [
        "version = 2",
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        `disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]`,
        `[grpc]\n  address = "${socket}"`,
        `[ttrpc]\n  address = "${socket}.ttrpc"`,
        `[plugins."io.containerd.internal.v1.opt"]\n  path = "${dir}/opt"`,
        "",
      ].join("\n"),
    );
    const root = `/proc/${pid}/root/host`;
    startChild(["nsenter", "-t", pid, "-p", "-m", `--root=${root}`, `--wd=${root}`, "--", "/usr/bin/containerd", "--config", `${dir}/config.toml`]);
    await until("the inner containerd answers", async () => (await ctr(socket, "version")).code === 0);
    cleanup.containerd(socket, "default", innerId);
    stdoutOf(await ctr(socket, "run", "-d", "--rootfs", testRootfs()!, innerId, ...sleepArgs), "ctr run");

    const report = await discoverEngines();
    innerEngine = report.engines.find((engine) => engine.api.endsWith(socket));
    outerEngine = report.engines.find((engine) => engine.api === host || engine.alsoAt.includes(host));
  }, { timeout: 120_000 });

  after(async () => {
    await cleanup.run();
    rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it("discovery reports the inner containerd with the dockerd and the outer container as its parent", () => {
    assert.ok(innerEngine, "the inner containerd was found");
    assert.ok(outerEngine, "the private dockerd was found");
    assert.deepEqual(innerEngine.parent, { engine: outerEngine.key, containerId: outerId, containerName: outerName });
    assert.equal(outerEngine.parent, undefined);
  });

  it("a host watcher shows the inner container with its host PID and the nesting labels, and resolves its process", { timeout: 60_000 }, async () => {
    assert.ok(innerEngine && outerEngine);
    await using watcher = hostWatcher({ rescanInterval: 0, discover: () => Promise.resolve([outerEngine!, innerEngine!]) });
    await watcher.rescan();
    const expected = hostPidOf(sleepArgs);
    assert.ok(expected !== undefined, "the inner container's process runs on the host");
    const inner = () => [...(watcher.engines().find((view) => view.engine.key === innerEngine!.key)?.portfolio.allContainers() ?? [])];
    await until("the inner container is in the merged view", () => inner().some((container) => container.id === innerId));
    const container = inner().find((c) => c.id === innerId)!;
    assert.equal(container.pid, expected);
    assert.equal(container.labels[OUTER_CONTAINER_NAME_LABEL], outerName);
    assert.equal(container.labels[OUTER_CONTAINER_ID_LABEL], outerId);
    assert.equal(container.labels[OUTER_ENGINE_LABEL], outerEngine.key);
    assert.equal((await watcher.containerOf(expected))?.container.id, innerId);
  });
});
