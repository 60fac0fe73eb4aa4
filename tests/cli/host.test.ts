/**
 * The CLI's default, `--engine all` without endpoint options, against the
 * private engines, which listen only at unusual paths and so are found
 * through /proc only. `--proc` points the scan at a /proc view holding just
 * this run's engine processes (symlinks to their /proc entries), so that
 * engines of other suites on the machine stay out; adding or removing an
 * engine's entry is that engine appearing on or vanishing from the host.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import type { PictureJson } from "../../cli/json.ts";
import type { EngineEventJson } from "../../cli/host.ts";
import { containerdEngine, criEngine, ctr, docker, dockerEngine, podmanEngine, stdoutOf, testImage, testRootfs, uniqueName } from "../support/engines.ts";
import { runCli, watchCli } from "./child.ts";

const dockerd = dockerEngine();
const podman = podmanEngine();
const containerd = containerdEngine();
const cri = criEngine();
const skip = dockerd.skip ?? podman.skip ?? containerd.skip ?? cri.skip;
const TIMEOUT = 180_000;

/** The engine processes started for this run: their command lines name the engines' directory. */
function enginePids(): Map<number, string> {
  const base = dirname(testRootfs()!);
  const found = new Map<number, string>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, "utf8").trim();
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      // podman: only the service at the private socket (the activation test starts another on the same storage).
      const ours = comm === "podman" ? cmdline.includes(podman.endpoint!) : ["dockerd", "containerd"].includes(comm);
      if (ours && cmdline.includes(`${base}/`)) found.set(Number(name), cmdline);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** A /proc view with `pids` (and `self`) only. */
function procView(pids: Iterable<number>): string {
  const dir = mkdtempSync(join(tmpdir(), "ww-proc-"));
  symlinkSync("/proc/self", join(dir, "self"));
  for (const pid of pids) symlinkSync(`/proc/${pid}`, join(dir, String(pid)));
  return dir;
}

describe("CLI default: every engine on the host, each once", () => {
  const dirs: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("--json without engine options shows the containers of dockerd, podman and containerd exactly once each", { skip, timeout: TIMEOUT }, async () => {
    const view = procView(enginePids().keys());
    dirs.push(view);
    const names = { docker: uniqueName("host-d"), podman: uniqueName("host-p"), containerd: uniqueName("host-c") };
    const ids: Record<string, string> = {};
    for (const [engine, host] of [["docker", dockerd.endpoint!], ["podman", podman.endpoint!]] as const) {
      const name = names[engine];
      cleanups.push(() => docker(host, "rm", "-f", name));
      ids[engine] = stdoutOf(await docker(host, "run", "-d", "--network", "none", "--name", name, testImage(), "sleep", "300"), "docker run");
    }
    const socket = containerd.endpoint!;
    cleanups.push(async () => {
      await ctr(socket, "task", "kill", "-s", "SIGKILL", names.containerd);
      await ctr(socket, "task", "delete", "-f", names.containerd);
      await ctr(socket, "container", "delete", names.containerd);
    });
    stdoutOf(await ctr(socket, "run", "-d", "--rootfs", testRootfs()!, names.containerd, "/bin/sleep", "300"), "ctr run");
    ids.containerd = names.containerd;

    // A second path to dockerd (a symlink named by DOCKER_HOST): still one engine.
    const linkDir = mkdtempSync(join(tmpdir(), "ww-link-"));
    dirs.push(linkDir);
    const link = join(linkDir, "docker.sock");
    symlinkSync(dockerd.endpoint!.replace(/^unix:\/\//, ""), link);
    const run = await runCli(["--proc", view, "--json"], undefined, 120_000, { DOCKER_HOST: `unix://${link}` });
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PictureJson;
    const apis = doc.engines.map((e) => [e.type, e.api]);
    assert.deepEqual(apis.filter(([type]) => type === "docker.com"), [["docker.com", `unix://${link}`]], "dockerd once, at the path the user set");
    assert.ok(apis.some(([type, api]) => type === "podman.io" && api === podman.endpoint), JSON.stringify(apis));
    assert.ok(apis.some(([type, api]) => type === "containerd.io" && api === containerd.endpoint), JSON.stringify(apis));
    // The CRI containerd as both of its views; dockerd's own containerd not at all.
    assert.ok(apis.some(([type, api]) => type === "containerd.io" && api === cri.endpoint), JSON.stringify(apis));
    assert.ok(apis.some(([type, api]) => type === "k8s.io/cri-api" && api === cri.endpoint), JSON.stringify(apis));
    assert.ok(!apis.some(([, api]) => String(api).includes("/docker/containerd/")), JSON.stringify(apis));
    for (const [engine, id] of Object.entries(ids)) {
      const shown = doc.engines.flatMap((e) => e.containers.filter((c) => c.id === id).map(() => e.type));
      assert.equal(shown.length, 1, `${engine}'s container ${id} shown once, got ${JSON.stringify(shown)}`);
    }
  });

  it("--watch follows an engine appearing on the host and vanishing for good", { skip, timeout: TIMEOUT }, async () => {
    const pids = enginePids();
    const plain = [...pids].find(([, cmdline]) => cmdline.includes(dirname(containerd.endpoint!)))?.[0];
    assert.ok(plain !== undefined, "the plain containerd's process");
    const view = procView([...pids.keys()].filter((pid) => pid !== plain));
    dirs.push(view);
    await watchCli(["--proc", view, "--watch", "--json"], async (cli) => {
      const picture = JSON.parse(await cli.nextLine(120_000)) as PictureJson;
      assert.ok(!picture.engines.some((e) => e.api === containerd.endpoint), "not there before it appears");
      assert.ok(picture.engines.some((e) => e.api === dockerd.endpoint));
      const next = async (type: string): Promise<EngineEventJson> => {
        for (;;) {
          const line = JSON.parse(await cli.nextLine(60_000)) as EngineEventJson;
          if (line.type === type && line.engine.api === containerd.endpoint) return line;
        }
      };
      symlinkSync(`/proc/${plain}`, join(view, String(plain)));
      const appeared = await next("engine-appeared");
      assert.deepEqual([appeared.engine.kind, appeared.engine.type], ["containerd", "containerd.io"]);
      assert.equal(new Date(appeared.time).toISOString(), appeared.time);
      unlinkSync(join(view, String(plain)));
      const vanished = await next("engine-vanished");
      assert.deepEqual([vanished.engine.kind, vanished.engine.api], ["containerd", containerd.endpoint]);
    });
  });
});
