/**
 * The CLI's default, `--engine all` without endpoint options, against the
 * private engines, which listen only at unusual paths and so are found
 * through /proc only. `--proc` points the scan at a /proc view holding just
 * this run's engine processes (symlinks to their /proc entries), so that
 * engines of other suites on the machine stay out. A containerd of this
 * test's own, started while `--watch` runs and then stopped for good, is an
 * engine appearing on and vanishing from the host.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import type { EventJson, PictureJson } from "../../cli/json.ts";
import type { EngineEventJson } from "../../cli/host.ts";
import { containerdEngine, criEngine, ctr, docker, dockerEngine, podmanEngine, stdoutOf, testImage, testRootfs, uniqueName } from "../support/engines.ts";
import { type ProcessRule, ProcView } from "../support/proc-view.ts";
import { type PrivateContainerd, startPrivateContainerd } from "../support/restartable-engines.ts";
import { runCli, watchCli } from "./child.ts";

const dockerd = dockerEngine();
const podman = podmanEngine();
const containerd = containerdEngine();
const cri = criEngine();
const skip = dockerd.skip ?? podman.skip ?? containerd.skip ?? cri.skip;
const TIMEOUT = 180_000;

/** The engine processes started for this run (their command lines name the engines' directory), and those `also` picks. */
function ourEngines(also: ProcessRule = () => false): ProcessRule {
  const base = dirname(testRootfs()!);
  return (pid, comm, cmdline) => {
    // podman: only the service at the private socket (the activation test starts another on the same storage).
    const ours = comm === "podman" ? cmdline.includes(podman.endpoint!) : ["dockerd", "containerd"].includes(comm);
    return (ours && cmdline.includes(`${base}/`)) || also(pid, comm, cmdline);
  };
}

describe("CLI default: every engine on the host, each once", () => {
  const dirs: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const view = (also?: ProcessRule): ProcView => {
    const made = new ProcView(ourEngines(also));
    cleanups.push(() => Promise.resolve(made.close()));
    return made;
  };

  it("--json without engine options shows the containers of dockerd, podman and containerd exactly once each", { skip, timeout: TIMEOUT }, async () => {
    const proc = view().dir;
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
    const run = await runCli(["--proc", proc, "--json"], undefined, 120_000, { DOCKER_HOST: `unix://${link}` });
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

  it("--watch follows an engine started later and stopped for good, without a restart", { skip, timeout: TIMEOUT }, async () => {
    let late: PrivateContainerd | undefined;
    cleanups.push(() => late?.stop() ?? Promise.resolve());
    const procView = view((_pid, comm, cmdline) => late !== undefined && comm === "containerd" && cmdline.includes(`${late.dir}/`));
    await watchCli(["--proc", procView.dir, "--watch", "--json"], async (cli) => {
      const picture = JSON.parse(await cli.nextLine(120_000)) as PictureJson;
      assert.ok(picture.engines.some((e) => e.api === dockerd.endpoint));
      late = await startPrivateContainerd();
      assert.ok(!picture.engines.some((e) => e.api === late!.socket), "not there before it started");
      procView.refresh();
      // The next line of the late engine with `type`: an engine line, or an event line of its containers.
      const next = async <T extends EngineEventJson | EventJson>(type: T["type"]): Promise<T> => {
        for (;;) {
          const line = JSON.parse(await cli.nextLine(60_000)) as EngineEventJson | EventJson;
          if (line.engine.api === late!.socket && line.type === type) return line as T;
        }
      };
      const appeared = await next<EngineEventJson>("engine-appeared");
      assert.deepEqual([appeared.engine.kind, appeared.engine.type], ["containerd", "containerd.io"]);
      assert.equal(new Date(appeared.time).toISOString(), appeared.time);
      const name = uniqueName("late");
      stdoutOf(await ctr(late.socket, "run", "-d", "--rootfs", testRootfs()!, name, "/bin/sleep", "300"), "ctr run");
      const started = await next<EventJson>("started");
      assert.equal(started.container.id, name, "the new engine's container, in the running --watch");
      await ctr(late.socket, "task", "kill", "-s", "SIGKILL", name);
      await ctr(late.socket, "task", "delete", "-f", name);
      await ctr(late.socket, "container", "delete", name);
      await late.containerd.stop();
      const vanished = await next<EngineEventJson>("engine-vanished");
      assert.deepEqual([vanished.engine.kind, vanished.engine.api], ["containerd", late.socket]);
    });
  });
});
