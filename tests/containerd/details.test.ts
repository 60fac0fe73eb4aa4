import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newContainer } from "../../lib/model/container.ts";
import { containerdDetails } from "../../engines/containerd/details.ts";
import { dockerDetails } from "../../engines/docker/details.ts";

const container = newContainer({ id: "c", pid: 1 });

describe("details packers", () => {
  it("containerd: the image of the container record, no start time (its records have none)", () => {
    const record = {
      container: { id: "c", labels: {}, image: "docker.io/library/nginx:1.27", snapshotter: "", snapshotKey: "", extensions: {} },
      process: { id: "c", pid: 1, status: 2 },
    };
    assert.deepEqual(containerdDetails(container, record), { image: "docker.io/library/nginx:1.27" });
    assert.deepEqual(containerdDetails(container, { ...record, container: { ...record.container, image: "" } }), {});
  });

  it("Docker and podman: Config.Image and State.StartedAt of the inspect JSON; nothing from odd JSON", () => {
    const inspect = { Config: { Image: "nginx" }, State: { StartedAt: "2026-01-02T03:04:05.123456789Z" } };
    assert.deepEqual(dockerDetails(container, inspect), { image: "nginx", started: new Date("2026-01-02T03:04:05.123Z") });
    assert.deepEqual(dockerDetails(container, { Config: null, State: "x" }), {});
    assert.deepEqual(dockerDetails(container, null), {});
  });
});
