/**
 * Entry point of `scripts/soak.mjs`: runs the churn soak on every engine
 * given by the WW_TEST_* variables, one after the other, printing a line per
 * round and a summary; exits 1 on any mismatch.
 *
 * Usage: soak-main.ts --minutes N [--seed S]
 */
import { ContainerdDriver, DockerDriver, dockerEventStream, type EngineDriver } from "./drivers.ts";
import type { StreamConnections } from "./faults.ts";
import { runSoak, type SoakResult } from "./soak.ts";
import { waitUntil } from "./support.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1]! : fallback;
};
const minutes = Number(option("minutes", "1"));
const seed = Number(option("seed", String(Date.now() % 1_000_000)));
if (!(minutes > 0) || !Number.isFinite(seed)) throw new Error("usage: soak.mjs --minutes N [--seed S]");

const dockerHost = process.env.WW_TEST_DOCKER_HOST;
const containerdSocket = process.env.WW_TEST_CONTAINERD;
const rootfs = process.env.WW_TEST_ROOTFS;
const plans: Array<[string, () => EngineDriver, string, StreamConnections]> = [];
if (dockerHost) {
  plans.push(["dockerd", () => new DockerDriver(dockerHost), dockerHost.replace(/^unix:\/\//, ""), dockerEventStream]);
}
if (containerdSocket && rootfs) {
  plans.push(["containerd", () => new ContainerdDriver(containerdSocket, rootfs), containerdSocket, (proxy) =>
    waitUntil("a live gRPC connection", () => proxy.connections.length > 0 && proxy.connections)]);
}
if (plans.length === 0) throw new Error("no engines: set WW_TEST_DOCKER_HOST and/or WW_TEST_CONTAINERD + WW_TEST_ROOTFS");

const results: Array<[string, SoakResult]> = [];
for (const [label, makeDriver, socket, stream] of plans) {
  const driver = makeDriver();
  console.log(`== ${label}: ${minutes} min, seed ${seed}`);
  try {
    const result = await runSoak({
      driver,
      engineSocket: socket,
      stream,
      durationMs: (minutes * 60_000) / plans.length,
      seed,
      log: (line) => console.log(`${label} ${line}`),
    });
    results.push([label, result]);
  } finally {
    await driver.cleanup();
  }
}
let failed = false;
for (const [label, r] of results) {
  console.log(`${label}: ${r.rounds} rounds, ${r.faults} faults, ${r.operations} operations, ${r.mismatches.length} mismatches (seed ${r.seed})`);
  for (const mismatch of r.mismatches) console.log(`  ${mismatch}`);
  failed ||= r.mismatches.length > 0;
}
process.exitCode = failed ? 1 : 0;
