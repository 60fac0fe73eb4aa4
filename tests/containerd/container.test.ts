import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { aliveContainers, isAlive } from "../../engines/containerd/container.ts";
import type { ContainerdRecord } from "../../engines/containerd/container.ts";
import { ProcessSchema, Status } from "../../engines/containerd/gen/containerd/types/task/task_pb.ts";
import { recordedLists } from "./fixtures.ts";

const { namespaces, perNamespace } = recordedLists();

function listed(namespace: string, packer?: Parameters<typeof aliveContainers>[3]) {
  const lists = perNamespace.get(namespace);
  assert.ok(lists, `no recorded lists for namespace ${namespace}`);
  return aliveContainers(namespace, lists.tasks, lists.containers, packer);
}

describe("containerd list responses (recorded)", () => {
  it("were recorded with default, custom and moby namespaces", () => {
    assert.deepEqual([...namespaces].sort(), ["custom", "default", "moby"]);
  });

  it("give running and paused containers, not created-only ones, with names and projects from labels", () => {
    const got = listed("default").map((c) => ({ id: c.id, name: c.name, project: c.project, paused: c.paused }));
    assert.deepEqual(got.sort((a, b) => a.id.localeCompare(b.id)), [
      { id: "lst-paused", name: "lst-paused", project: "", paused: true },
      { id: "lst-web", name: "web", project: "shop", paused: false },
    ]);
    for (const container of listed("default")) assert.ok(container.pid > 0);
  });

  it("namespace IDs and nerdctl names outside the default namespace", () => {
    const [custom, ...rest] = listed("custom");
    assert.equal(rest.length, 0);
    assert.equal(custom?.id, "custom/lst-custom");
    assert.equal(custom?.name, "custom/db");
    assert.equal(custom?.project, "shop");
    assert.equal(custom?.labels["nerdctl/name"], "db");
  });

  it("leave the task's empty container_id alone and match on its id", () => {
    const tasks = perNamespace.get("default")?.tasks ?? [];
    assert.ok(tasks.length > 0);
    for (const task of tasks) assert.equal(task.containerId, "");
  });

  it("hand the packer the container record and the task process", () => {
    const seen: ContainerdRecord[] = [];
    const containers = listed("custom", (container, record) => {
      seen.push(record);
      return `${container.id}@${record.process.pid}`;
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.container.id, "lst-custom");
    assert.equal(containers[0]?.rucksack, `custom/lst-custom@${seen[0]?.process.pid}`);
    assert.equal(seen[0]?.container.runtime?.name, "io.containerd.runc.v2");
  });

  it("skip tasks whose container vanished between the two lists", () => {
    const lists = perNamespace.get("default");
    assert.ok(lists);
    assert.deepEqual(aliveContainers("default", lists.tasks, []), []);
  });
});

describe("containerd task liveness", () => {
  it("counts RUNNING, PAUSED and PAUSING with a PID as alive, nothing else", () => {
    const alive = (status: Status, pid = 42): boolean => isAlive(create(ProcessSchema, { id: "x", pid, status }));
    assert.equal(alive(Status.RUNNING), true);
    assert.equal(alive(Status.PAUSED), true);
    assert.equal(alive(Status.PAUSING), true);
    assert.equal(alive(Status.CREATED), false);
    assert.equal(alive(Status.STOPPED), false);
    assert.equal(alive(Status.UNKNOWN), false);
    assert.equal(alive(Status.RUNNING, 0), false);
  });
});
