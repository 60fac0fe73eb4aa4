/**
 * A real docker-compose (v1) project on the private dockerd and on podman's
 * Docker API: up, pause, unpause, scale, down; and two projects side by side.
 * Skips loudly when an engine is absent.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DockerClient } from "../../engines/docker/mod.ts";
import { compose, dockerEngine, EngineCleanup, type EngineLookup, podmanEngine, stdoutOf, testImage, uniqueName } from "../support/engines.ts";
import { dockerOk, EventCollector, liveClient, seenRequests } from "./live.ts";

const TIMEOUT = { timeout: 240_000 };

let projectDir = "";
before(() => {
  projectDir = mkdtempSync(join(tmpdir(), "ww-compose-"));
  writeFileSync(
    join(projectDir, "docker-compose.yml"),
    [
      'version: "2.4"',
      "services:",
      ...["web", "worker"].flatMap((service) => [
        `  ${service}:`,
        `    image: ${testImage()}`,
        '    command: ["sleep", "1000"]',
        "    network_mode: none",
      ]),
      "",
    ].join("\n"),
  );
});
after(() => {
  if (projectDir) rmSync(projectDir, { recursive: true, force: true });
  for (const { method, path } of seenRequests) assert.ok(method === "GET" || method === "HEAD", `${method} ${path}`);
});

/** The IDs of a project's containers by service and number, e.g. `web_1`. */
async function projectContainers(host: string, project: string): Promise<Map<string, string>> {
  const out = await dockerOk(
    host,
    "ps",
    "-a",
    "--no-trunc",
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--format",
    '{{.ID}} {{.Label "com.docker.compose.service"}}_{{.Label "com.docker.compose.container-number"}}',
  );
  return new Map(out.split("\n").filter(Boolean).map((line) => {
    const [id, key] = line.split(" ");
    return [key!, id!];
  }));
}

async function composeOk(host: string, ...args: string[]): Promise<void> {
  stdoutOf(await compose(host, projectDir, ...args), `docker-compose ${args.join(" ")}`);
}

async function projectOf(client: DockerClient, project: string): Promise<Array<{ name: string; paused: boolean }>> {
  return (await client.list())
    .filter((c) => c.project === project)
    .map((c) => ({ name: c.name, paused: c.paused }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const engines: Array<[string, EngineLookup]> = [["dockerd", dockerEngine()], ["podman", podmanEngine()]];

for (const [label, engine] of engines) {
  const host = engine.endpoint ?? "";
  const skip = engine.skip;

  describe(`docker-compose v1 projects on real ${label}`, () => {
    const cleanup = new EngineCleanup();
    after(async () => {
      await cleanup.run();
    });

    it("follows a project up, paused, unpaused, scaled and down", { skip, ...TIMEOUT }, async () => {
      const project = uniqueName("proj");
      cleanup.compose(host, projectDir, project);
      await using client = liveClient(host);
      await using collector = new EventCollector(client);
      await collector.stream.subscribed;

      await composeOk(host, "-p", project, "up", "-d");
      let ids = await projectContainers(host, project);
      // `down` cannot remove paused containers on podman (see below): after a failure, remove them directly.
      for (const id of ids.values()) cleanup.docker(host, id);
      assert.deepEqual([...ids.keys()].sort(), ["web_1", "worker_1"]);
      for (const id of ids.values()) await collector.waitFor("started", id);
      assert.deepEqual(await projectOf(client, project), [
        { name: `${project}_web_1`, paused: false },
        { name: `${project}_worker_1`, paused: false },
      ]);

      await composeOk(host, "-p", project, "pause");
      for (const id of ids.values()) await collector.waitFor("paused", id);
      assert.deepEqual((await projectOf(client, project)).map((c) => c.paused), [true, true]);

      // Not `docker-compose unpause`: compose v1 finds no paused containers on podman, whose
      // default container list leaves paused ones out (the client filters by status for that reason).
      await dockerOk(host, "unpause", ...ids.values());
      for (const id of ids.values()) await collector.waitFor("unpaused", id);

      await composeOk(host, "-p", project, "up", "-d", "--scale", "web=2");
      ids = await projectContainers(host, project);
      assert.deepEqual([...ids.keys()].sort(), ["web_1", "web_2", "worker_1"]);
      await collector.waitFor("started", ids.get("web_2")!);
      assert.deepEqual((await projectOf(client, project)).map((c) => c.name), [
        `${project}_web_1`,
        `${project}_web_2`,
        `${project}_worker_1`,
      ]);

      await composeOk(host, "-p", project, "down", "-t", "0");
      for (const id of ids.values()) {
        const [exit] = await collector.waitFor("exited", id);
        assert.equal(exit!.type === "exited" && exit!.project, project, "exits carry the project");
      }
      assert.deepEqual(await projectOf(client, project), []);
    });

    it("tells several projects apart", { skip, ...TIMEOUT }, async () => {
      const first = uniqueName("first");
      const second = uniqueName("second");
      cleanup.compose(host, projectDir, first);
      cleanup.compose(host, projectDir, second);
      await composeOk(host, "-p", first, "up", "-d");
      await composeOk(host, "-p", second, "up", "-d", "--scale", "worker=0");
      await using client = liveClient(host);
      assert.deepEqual((await projectOf(client, first)).map((c) => c.name), [`${first}_web_1`, `${first}_worker_1`]);
      assert.deepEqual((await projectOf(client, second)).map((c) => c.name), [`${second}_web_1`]);
      await composeOk(host, "-p", first, "down", "-t", "0");
      await composeOk(host, "-p", second, "down", "-t", "0");
      assert.deepEqual(await projectOf(client, first), []);
      assert.deepEqual(await projectOf(client, second), []);
    });
  });
}
