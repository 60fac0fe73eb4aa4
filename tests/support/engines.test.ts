// Smoke test of the engine test harness: each private engine can run a container that its own CLI lists,
// and the helpers name, skip and clean up as documented. Skips sit on `it`, not on `describe`: bun hides
// skipped describe blocks entirely (not even counted as skipped).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../lib/runtime.ts";
import {
  compose,
  containerdEngine,
  ctr,
  docker,
  DOCKER_HOST_VAR,
  dockerEngine,
  ENGINE_ERRORS_VAR,
  EngineCleanup,
  engineFromEnv,
  podmanEngine,
  stdoutOf,
  testImage,
  testRootfs,
  uniqueName,
} from "./engines.ts";

describe("uniqueName", () => {
  it("includes prefix and runtime and differs per call", () => {
    const a = uniqueName("Smoke Test");
    const b = uniqueName("Smoke Test");
    assert.match(a, new RegExp(`^smoke-test-${runtime}-[0-9a-f]{8}$`));
    assert.notEqual(a, b);
  });
});

describe("engineFromEnv", () => {
  it("gives a skip reason naming the variable when it is unset", () => {
    const unset = engineFromEnv("docker", {});
    assert.equal(unset.endpoint, undefined);
    assert.match(unset.skip ?? "", /WW_TEST_DOCKER_HOST is not set/);
    assert.match(engineFromEnv("containerd", { [DOCKER_HOST_VAR]: "unix:///x" }).skip ?? "", /WW_TEST_CONTAINERD is not set/);
  });

  it("gives the first line of the recorded start error as the skip reason", () => {
    const env = { [ENGINE_ERRORS_VAR]: JSON.stringify({ podman: "podman exited during start-up\nlog…" }) };
    assert.equal(engineFromEnv("podman", env).skip, "SKIPPED: podman did not start: podman exited during start-up");
  });

  it("returns the endpoint when it is set", () => {
    assert.deepEqual(engineFromEnv("docker", { [DOCKER_HOST_VAR]: "unix:///x/docker.sock" }), {
      endpoint: "unix:///x/docker.sock",
      skip: undefined,
    });
  });
});

for (const [label, engine] of [["dockerd", dockerEngine()], ["podman (Docker API)", podmanEngine()]] as const) {
  describe(`${label} harness`, () => {
    const host = engine.endpoint ?? "";
    const cleanup = new EngineCleanup();
    after(async () => {
      assert.deepEqual(await cleanup.run(), []);
    });

    it("runs a container that `docker ps` lists, and removes it", { skip: engine.skip }, async () => {
      const name = uniqueName("smoke");
      cleanup.docker(host, name);
      stdoutOf(await docker(host, "run", "-d", "--name", name, "--network", "none", testImage(), "sleep", "60"), "docker run");
      const listed = stdoutOf(await docker(host, "ps", "--filter", `name=${name}`, "--format", "{{.Names}}"), "docker ps");
      assert.deepEqual(listed.split("\n"), [name]);
      assert.deepEqual(await cleanup.run(), []);
      const gone = stdoutOf(await docker(host, "ps", "-a", "--filter", `name=${name}`, "--format", "{{.Names}}"), "docker ps");
      assert.equal(gone, "");
    });
  });
}

describe("docker-compose harness", () => {
  const host = dockerEngine().endpoint ?? "";
  const dir = mkdtempSync(join(tmpdir(), "ww-compose-"));
  const cleanup = new EngineCleanup();
  after(async () => {
    assert.deepEqual(await cleanup.run(), []);
    rmSync(dir, { recursive: true, force: true });
  });

  it("brings up a project whose containers carry its compose project label", { skip: dockerEngine().skip }, async () => {
    const project = uniqueName("smokeproj").replaceAll("-", "");
    writeFileSync(
      join(dir, "docker-compose.yml"),
      `version: "2.4"\nservices:\n  app:\n    image: ${testImage()}\n    command: sleep 60\n    network_mode: none\n`,
    );
    cleanup.compose(host, dir, project);
    stdoutOf(await compose(host, dir, "-p", project, "up", "-d"), "docker-compose up");
    const labelled = stdoutOf(
      await docker(host, "ps", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.Names}}"),
      "docker ps",
    );
    assert.deepEqual(labelled.split("\n"), [`${project}_app_1`]);
  });
});

describe("containerd harness", () => {
  const socket = containerdEngine().endpoint ?? "";
  const cleanup = new EngineCleanup();
  after(async () => {
    assert.deepEqual(await cleanup.run(), []);
  });

  it("runs a task from the busybox rootfs that `ctr task ls` lists, and removes it", { skip: containerdEngine().skip }, async () => {
    const rootfs = testRootfs();
    assert.ok(rootfs, "WW_TEST_ROOTFS must be set along with WW_TEST_CONTAINERD");
    const namespace = uniqueName("smokens");
    const id = uniqueName("smoke");
    cleanup.containerd(socket, namespace, id);
    stdoutOf(await ctr(socket, "-n", namespace, "run", "-d", "--rootfs", rootfs, id, "/bin/sleep", "60"), "ctr run");
    const tasks = stdoutOf(await ctr(socket, "-n", namespace, "task", "ls"), "ctr task ls");
    assert.match(tasks, new RegExp(`^${id}\\s+\\d+\\s+RUNNING$`, "m"));
    assert.deepEqual(await cleanup.run(), []);
    const containers = stdoutOf(await ctr(socket, "-n", namespace, "containers", "ls", "-q"), "ctr containers ls");
    assert.equal(containers, "");
  });
});
