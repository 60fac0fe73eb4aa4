/**
 * The CLI against the real containerd 1.6 CRI plugin (WW_TEST_CRI): `--engine
 * cri --json` shows exactly the RUNNING containers and READY sandboxes with
 * their host PIDs and pods, `--engine all` shows each CRI container once
 * (containerd's native view ignores namespace k8s.io), and `--watch --json`
 * reports pod and container starts and exits exactly once each. The pods of
 * this file live in their own Kubernetes namespace, torn down through CRI.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ContainerJson, EventJson, PictureJson } from "../../cli/json.ts";
import { SANDBOX_LABEL } from "../../engines/cri/mod.ts";
import { criEngine, ctr, stdoutOf, uniqueName } from "../support/engines.ts";
import { waitUntil } from "../reliability/support.ts";
import { runCli, watchCli } from "../cli/child.ts";
import { CriAdmin } from "./admin.ts";
import type { TestPod } from "./admin.ts";

const { endpoint, skip } = criEngine();
const socket = endpoint ?? "";
const TIMEOUT = 120_000;

/** Host PIDs of the CRI plugin's tasks (sandboxes and containers) by ID, from containerd's native API. */
async function taskPids(): Promise<Map<string, number>> {
  const lines = stdoutOf(await ctr(socket, "-n", "k8s.io", "task", "ls"), "ctr task ls").split("\n").slice(1);
  const pids = new Map<string, number>();
  for (const line of lines) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (id && status === "RUNNING") pids.set(id, Number(pid));
  }
  return pids;
}

describe("CLI against the containerd CRI plugin", () => {
  const admin = new CriAdmin(socket);
  const ns = uniqueName("cli");
  let web: TestPod;
  let main = "";
  let side = "";
  let done = "";
  let stopped: TestPod;
  before(async () => {
    if (skip) return;
    web = await admin.runPod(ns, "web", { app: "web" });
    main = await admin.runContainer(web, "main", ["/bin/sleep", "1000"]);
    side = await admin.runContainer(web, "side", ["/bin/sleep", "1000"]);
    done = await admin.runContainer(web, "done", ["/bin/sh", "-c", "exit 0"]);
    stopped = await admin.runPod(ns, "stopped");
    await admin.runContainer(stopped, "gone", ["/bin/sleep", "1000"]);
    await admin.stopPod(stopped.id);
    await waitUntil("the done container to exit", async () => (await admin.exitCode(done)).state === 2);
  });
  after(async () => {
    if (skip) return;
    try {
      await admin.removePods(ns);
    } finally {
      admin.close(); // also removes the pods' log directories
    }
  });

  const ours = (containers: readonly ContainerJson[]): ContainerJson[] => containers.filter((c) => c.project.startsWith(`${ns}/`));

  it("--engine cri --json shows exactly the RUNNING containers and READY sandboxes, with host PIDs and pods", { skip, timeout: TIMEOUT }, async () => {
    const run = await runCli(["--engine", "cri", "--cri", socket, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PictureJson;
    assert.deepEqual(doc.engines.map((e) => [e.type, e.api]), [["k8s.io/cri-api", socket]]);
    assert.match(doc.engines[0]!.version, /^containerd /);
    const shown = ours(doc.engines[0]!.containers);
    assert.deepEqual(
      shown.map((c) => [c.id, c.project, c.name]).sort(),
      [[main, `${ns}/web`, `${ns}/web/main`], [side, `${ns}/web`, `${ns}/web/side`], [web.id, `${ns}/web`, web.id]].sort(),
      "not the exited container, not the stopped pod",
    );
    const pids = await taskPids();
    for (const c of shown) assert.equal(c.pid, pids.get(c.id), `host PID of ${c.name}`);
    const sandbox = shown.find((c) => c.id === web.id)!;
    assert.equal(sandbox.labels[SANDBOX_LABEL], "true");
    assert.equal(sandbox.labels["app"], "web");
    const mainShown = shown.find((c) => c.id === main)!;
    assert.equal(mainShown.labels["io.kubernetes.pod.namespace"], ns);
    assert.equal(mainShown.labels["io.kubernetes.container.name"], "main");
  });

  it("--engine all shows each CRI container once: in the CRI view, not in containerd's native one", { skip, timeout: TIMEOUT }, async () => {
    const run = await runCli(["--engine", "all", "--docker-host", `unix://${socket}.none`, "--containerd", socket, "--cri", socket, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PictureJson;
    assert.deepEqual(doc.engines.map((e) => e.type), ["containerd.io", "k8s.io/cri-api"]);
    const ids = [main, side, web.id].sort();
    assert.deepEqual(doc.engines[0]!.containers.filter((c) => ids.includes(c.id)), []);
    assert.deepEqual(ours(doc.engines[1]!.containers).map((c) => c.id).sort(), ids);
  });

  it("--watch --json reports pod and container starts and exits exactly once each", { skip, timeout: TIMEOUT }, async () => {
    const events: EventJson[] = [];
    await watchCli(["--engine", "cri", "--cri", socket, "--watch", "--json"], async (cli) => {
      /** Reads lines until one matches; keeps every line of ours. */
      const next = async (what: string, match: (event: EventJson) => boolean): Promise<EventJson> => {
        for (;;) {
          const event = JSON.parse(await cli.nextLine(30_000)) as EventJson;
          if (event.container.project.startsWith(`${ns}/`)) events.push(event);
          if (match(event)) return event;
          if (events.length > 20) assert.fail(`no ${what}; saw ${events.map((e) => `${e.type} ${e.container.name}`).join(", ")}`);
        }
      };
      const seen = (type: string, id: string): boolean => events.some((e) => e.type === type && e.container.id === id);
      const waitFor = async (type: string, ids: string[]): Promise<void> => {
        for (const id of ids) if (!seen(type, id)) await next(`${type} ${id}`, (e) => e.type === type && e.container.id === id);
      };
      const picture = JSON.parse(await cli.nextLine(60_000)) as PictureJson;
      assert.deepEqual(ours(picture.engines[0]!.containers).map((c) => c.id).sort(), [main, side, web.id].sort());

      const pod = await admin.runPod(ns, "late");
      const late = await admin.runContainer(pod, "late", ["/bin/sleep", "1000"]);
      await waitFor("started", [pod.id, late]);
      const started = events.find((e) => e.container.id === late)!;
      assert.deepEqual([started.container.name, started.container.project], [`${ns}/late/late`, `${ns}/late`]);
      assert.equal(started.container.pid, (await taskPids()).get(late));

      await admin.stopContainer(main);
      await admin.removePod(pod.id);
      await waitFor("exited", [main, late, pod.id]);
      assert.equal(events.find((e) => e.type === "exited" && e.container.id === main)!.exit?.code, 137, "StopContainer with timeout 0 kills");

      // A later change, seen by a later relist: every duplicate of the ones above would come before it.
      const marker = await admin.runPod(ns, "marker");
      await waitFor("started", [marker.id]);
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.container.id}`).sort(),
        [`started ${pod.id}`, `started ${late}`, `exited ${main}`, `exited ${late}`, `exited ${pod.id}`, `started ${marker.id}`].sort(),
      );
    });
  });
});
