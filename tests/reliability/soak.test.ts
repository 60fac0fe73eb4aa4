/**
 * The bounded churn soak: on each real engine, random starts, stops, kills,
 * restarts, pauses and unpauses while the fault proxy injects faults; after
 * every round the portfolio and the replayed events must equal the engine's
 * truth. Zero mismatches. `scripts/soak.mjs --minutes N` runs it longer.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { containerdEngine, dockerEngine, podmanEngine, rootfsSkip, testRootfs } from "../support/engines.ts";
import { ContainerdDriver, DockerDriver, dockerEventStream, type EngineDriver } from "./drivers.ts";
import { runSoak } from "./soak.ts";
import type { StreamConnections } from "./faults.ts";
import { waitUntil } from "./support.ts";

/** Per engine; the three runtimes each run this file. */
const SOAK_MS = 15_000;

const docker = dockerEngine();
const podman = podmanEngine();
const containerd = containerdEngine();
const rootfs = testRootfs();

const plans: Array<[string, string | undefined, () => EngineDriver, string, StreamConnections]> = [
  [
    "dockerd",
    docker.skip,
    () => new DockerDriver(docker.endpoint!),
    (docker.endpoint ?? "").replace(/^unix:\/\//, ""),
    dockerEventStream,
  ],
  [
    "podman",
    podman.skip,
    () => new DockerDriver(podman.endpoint!, "podman"),
    (podman.endpoint ?? "").replace(/^unix:\/\//, ""),
    dockerEventStream,
  ],
  [
    "containerd",
    rootfsSkip("containerd", containerd),
    () => new ContainerdDriver(containerd.endpoint!, rootfs!),
    containerd.endpoint ?? "",
    (proxy) => waitUntil("a live gRPC connection", () => proxy.connections.length > 0 && proxy.connections),
  ],
];

for (const [label, skip, makeDriver, socket, stream] of plans) {
  describe(`churn soak on ${label}`, () => {
    let driver: EngineDriver | undefined;
    after(() => driver?.cleanup());

    it(`${SOAK_MS / 1000} s of churn under faults: zero mismatches`, { skip, timeout: 240_000 }, async () => {
      driver = makeDriver();
      const seed = Number(process.env.WW_SOAK_SEED ?? Date.now() % 1_000_000);
      const result = await runSoak({ driver, engineSocket: socket, stream, durationMs: SOAK_MS, seed });
      console.log(`churn soak on ${label}: ${result.rounds} rounds, ${result.faults} faults, ${result.operations} operations, ` +
        `${result.mismatches.length} mismatches (seed ${seed})`);
      assert.ok(result.rounds > 0 && result.operations > 0, "the soak did something");
      assert.deepEqual(result.mismatches, [], `seed ${seed} (WW_SOAK_SEED=${seed} repeats the choices)`);
    });
  });
}
