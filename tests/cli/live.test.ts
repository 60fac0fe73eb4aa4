/**
 * The CLI against the private engines: `--json` matches what the engines say,
 * `--watch --json` prints the lifecycle of a container as NDJSON and
 * exits 0 on SIGINT, text-mode `--watch` prints a line per event and exits 0 on SIGTERM. Runs the CLI as a child under the same runtime.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { containerdEngine, ctr, docker, dockerEngine, rootfsSkip, stdoutOf, testImage, testRootfs, uniqueName } from "../support/engines.ts";
import type { EventJson, PictureJson } from "../../cli/json.ts";
import { runCli, watchCli } from "./child.ts";

const dockerHost = dockerEngine();
const containerd = containerdEngine();
const rootfs = testRootfs();
// per engine: the docker-only test does not skip because containerd is missing
const skipContainerd = rootfsSkip("containerd", containerd);
const skip = dockerHost.skip ?? skipContainerd;
const TIMEOUT = 120_000;

describe("CLI against the private engines", () => {
  const dockerNames: string[] = [];
  const ctrIds: string[] = [];
  after(async () => {
    if (dockerHost.endpoint) for (const name of dockerNames) await docker(dockerHost.endpoint, "rm", "-f", name);
    if (containerd.endpoint) {
      for (const id of ctrIds) {
        await ctr(containerd.endpoint, "task", "kill", "-s", "SIGKILL", id);
        await ctr(containerd.endpoint, "task", "delete", "-f", id);
        await ctr(containerd.endpoint, "container", "delete", id);
      }
    }
  });

  it("--json matches the engines' truth, sorted by project (standalone last) then name", { skip, timeout: TIMEOUT }, async () => {
    const host = dockerHost.endpoint!;
    const socket = containerd.endpoint!;
    const project = uniqueName("cliproj");
    const standalone = uniqueName("cli-alone");
    const member = uniqueName("cli-member");
    const ctrId = uniqueName("cli-ctd");
    dockerNames.push(standalone, member);
    ctrIds.push(ctrId);
    stdoutOf(await docker(host, "run", "-d", "--network", "none", "--name", standalone, testImage(), "sleep", "300"), "docker run");
    stdoutOf(await docker(host, "run", "-d", "--network", "none", "--name", member, "--label", `com.docker.compose.project=${project}`,
        testImage(), "sleep", "300"),
      "docker run", );
    stdoutOf(await docker(host, "pause", member), "docker pause");
    stdoutOf(await ctr(socket, "run", "-d", "--rootfs", rootfs!, ctrId, "/bin/sleep", "300"), "ctr run");

    const run = await runCli(["--docker-host", host, "--containerd", socket, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as PictureJson;
    assert.deepEqual(Object.keys(doc), ["engines"]);
    assert.deepEqual(doc.engines.map((e) => [e.type, e.api]), [["docker.com", host], ["containerd.io", socket]]);
    const [dockerDoc, ctrDoc] = doc.engines as [PictureJson["engines"][0], PictureJson["engines"][0]];

    const info = JSON.parse(stdoutOf(await docker(host, "info", "--format", "{{json .}}"), "docker info")) as { ID: string; ServerVersion: string };
    assert.equal(dockerDoc.id, info.ID);
    assert.equal(dockerDoc.version, info.ServerVersion);
    for (const engine of doc.engines) {
      const keys = engine.containers.map((c) => [c.project, c.name] as const);
      const key = ([project, name]: readonly [string, string]): string => `${project === "" ? 1 : 0}\0${project}\0${name}`;
      const sorted = [...keys].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
      assert.deepEqual(keys, sorted, `${engine.type} containers sorted by project (standalone last), then name`);
      for (const c of engine.containers) {
        const base = ["id", "name", "pid", "paused", "project", "labels"];
        assert.deepEqual(Object.keys(c).slice(0, base.length), base);
        assert.ok(Object.keys(c).slice(base.length).every((k) => k === "image" || k === "started"), Object.keys(c).join());
      }
    }

    for (const [name, paused, proj] of [[standalone, false, ""], [member, true, project]] as const) {
      const inspected = JSON.parse(stdoutOf(await docker(host, "inspect", name), "docker inspect")) as Array<
        { Id: string; State: { Pid: number; StartedAt: string }; Config: { Labels: Record<string, string> | null; Image: string } }
      >;
      const truth = inspected[0]!;
      const shown = dockerDoc.containers.find((c) => c.name === name);
      assert.deepEqual(shown, {
        id: truth.Id,
        name,
        pid: truth.State.Pid,
        paused,
        project: proj,
        labels: truth.Config.Labels ?? {},
        image: truth.Config.Image,
        started: new Date(truth.State.StartedAt).toISOString(),
      });
    }
    const running = new Set((stdoutOf(await docker(host, "ps", "-q", "--no-trunc"), "docker ps")).split("\n"));
    for (const c of dockerDoc.containers) {
      // Other suites churn containers in parallel; ours must be there, and what is shown must have been alive.
      if (c.name === standalone || c.name === member) assert.ok(running.has(c.id));
    }

    const shownCtr = ctrDoc.containers.find((c) => c.id === ctrId);
    const tasks = stdoutOf(await ctr(socket, "task", "ls"), "ctr task ls");
    const pid = Number(tasks.split("\n").find((l) => l.startsWith(`${ctrId} `))?.trim().split(/\s+/)[1]);
    assert.ok(pid > 0, tasks);
    assert.deepEqual(shownCtr, { id: ctrId, name: ctrId, pid, paused: false, project: "", labels: shownCtr?.labels ?? {} });
  });

  it("--watch --json prints start, pause, unpause and exit as NDJSON; SIGINT exits 0", { skip: dockerHost.skip, timeout: TIMEOUT }, async () => {
    const host = dockerHost.endpoint!;
    const name = uniqueName("cli-watched");
    dockerNames.push(name);
    await watchCli(["--engine", "docker", "--docker-host", host, "--watch", "--json"], async (cli) => {
      const picture = JSON.parse(await cli.nextLine()) as PictureJson;
      assert.equal(picture.engines.length, 1);
      assert.ok(!picture.engines[0]!.containers.some((c) => c.name === name));

      const ours = async (): Promise<EventJson> => {
        for (;;) {
          const event = JSON.parse(await cli.nextLine()) as EventJson;
          if (event.container.name === name) return event;
        }
      };
      const id = stdoutOf(await docker(host, "run", "-d", "--network", "none", "--name", name, testImage(), "sleep", "300"),
        "docker run", );
      const started = await ours();
      assert.deepEqual([started.engine.type, started.engine.api], ["docker.com", host]);
      assert.notEqual(started.engine.id, "", "the NDJSON line names the engine instance");
      assert.equal(started.type, "started");
      assert.equal(started.container.id, id);
      assert.ok(started.container.pid > 0);
      assert.equal(new Date(started.time).toISOString(), started.time);

      stdoutOf(await docker(host, "pause", name), "docker pause");
      const paused = await ours();
      assert.deepEqual([paused.type, paused.container.paused], ["paused", true]);
      stdoutOf(await docker(host, "unpause", name), "docker unpause");
      const unpaused = await ours();
      assert.deepEqual([unpaused.type, unpaused.container.paused], ["unpaused", false]);
      stdoutOf(await docker(host, "kill", name), "docker kill");
      const exited = await ours();
      assert.deepEqual([exited.type, exited.container.id, exited.container.pid], ["exited", id, started.container.pid]);
      assert.equal(exited.exit?.code, 137, "docker kill: SIGKILL");
    });
  });
  it("text-mode --watch prints a line per start, pause and exit of a container; SIGTERM exits 0", { skip: dockerHost.skip, timeout: TIMEOUT }, async () => {
    const host = dockerHost.endpoint!;
    const name = uniqueName("cli-text");
    dockerNames.push(name);
    const end = await watchCli(["--engine", "docker", "--docker-host", host, "--watch"], async (cli) => {
      // The picture first (its layout is the renderer's business): the engine header names the API.
      for (let line = await cli.nextLine(); !line.includes(host); line = await cli.nextLine());
      /** The next line about our container (the layout may change; the name and the event word are promised). */
      const ours = async (): Promise<string> => {
        for (;;) {
          const line = await cli.nextLine();
          if (line.includes(name)) return line;
        }
      };
      stdoutOf(await docker(host, "run", "-d", "--network", "none", "--name", name, testImage(), "sleep", "300"), "docker run");
      assert.match(await ours(), /\bstarted\b/);
      stdoutOf(await docker(host, "pause", name), "docker pause");
      assert.match(await ours(), /\bpaused\b/);
      stdoutOf(await docker(host, "kill", name), "docker kill");
      assert.match(await ours(), /\bexited\b.*\bexit 137\b/, "the exit code shows in text mode");
    }, { signal: "SIGTERM" });
    assert.doesNotMatch(end.stdout, /\x1b\[/, "no colour into a pipe");
  });

  it("--watch --json follows a containerd task: start, pause, resume, kill", { skip: skipContainerd, timeout: TIMEOUT }, async () => {
    const socket = containerd.endpoint!;
    const id = uniqueName("cli-ctd-watched");
    ctrIds.push(id);
    await watchCli(["--engine", "containerd", "--containerd", socket, "--watch", "--json"], async (cli) => {
      const picture = JSON.parse(await cli.nextLine()) as PictureJson;
      assert.deepEqual(picture.engines.map((e) => e.type), ["containerd.io"]);
      const ours = async (): Promise<EventJson> => {
        for (;;) {
          const event = JSON.parse(await cli.nextLine()) as EventJson;
          if (event.container.id === id) return event;
        }
      };
      stdoutOf(await ctr(socket, "run", "-d", "--rootfs", rootfs!, id, "/bin/sleep", "300"), "ctr run");
      const started = await ours();
      assert.deepEqual([started.engine.type, started.engine.api, started.type, started.container.name], ["containerd.io", socket, "started", id]);
      stdoutOf(await ctr(socket, "task", "pause", id), "ctr task pause");
      assert.deepEqual([(await ours()).type], ["paused"]);
      stdoutOf(await ctr(socket, "task", "resume", id), "ctr task resume");
      assert.deepEqual([(await ours()).type], ["unpaused"]);
      stdoutOf(await ctr(socket, "task", "kill", "-s", "SIGKILL", id), "ctr task kill");
      const exited = await ours();
      assert.deepEqual([exited.type, exited.container.pid, exited.exit?.code], ["exited", started.container.pid, 137]);
    });
  });
});
