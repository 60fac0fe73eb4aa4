/**
 * Real containers for the benchmarks that need an engine with N alive
 * containers: created with the Docker CLI under a label, reused when a
 * previous run left them (`WW_BENCH_KEEP=1`, which `npm run bench` sets so
 * that its benches share one set), removed by whoever created them otherwise.
 *
 * @module
 */

import { execFileSync } from "node:child_process";

/** The label of the shared bench containers. */
export const BENCH_LABEL = "ww-bench-idle=1";

/** Runs the Docker CLI against `host`; returns its trimmed stdout. */
export function dockerCli(host: string, ...args: string[]): string {
  return execFileSync("docker", ["-H", host, ...args], { encoding: "utf8", env: { ...process.env, DOCKER_HOST: "" } })
    .trim();
}

/** IDs of the running bench containers on `host`. */
export function benchContainerIds(host: string): string[] {
  return dockerCli(host, "ps", "-q", "--no-trunc", "--filter", `label=${BENCH_LABEL}`).split("\n").filter(Boolean);
}

/** Removes every bench container (running or not) on `host`. */
export function removeBenchContainers(host: string): void {
  const all = dockerCli(host, "ps", "-aq", "--filter", `label=${BENCH_LABEL}`).split("\n").filter(Boolean);
  for (let i = 0; i < all.length; i += 50) dockerCli(host, "rm", "-f", ...all.slice(i, i + 50));
}

/**
 * Makes sure `count` bench containers run on `host` (starting stopped ones,
 * creating the rest); returns their IDs and a cleanup that removes them
 * unless `WW_BENCH_KEEP=1`.
 *
 * @example
 * ```ts ignore
 * import { ensureBenchContainers } from "./containers.ts";
 * const { ids, cleanup } = ensureBenchContainers("unix:///var/run/docker.sock", "busybox", 100);
 * try { console.log(ids.length); } finally { cleanup(); }
 * ```
 */
export function ensureBenchContainers(host: string, image: string, count: number): { ids: string[]; cleanup(): void } {
  const stopped = dockerCli(host, "ps", "-aq", "--filter", `label=${BENCH_LABEL}`, "--filter", "status=exited")
    .split("\n").filter(Boolean);
  if (stopped.length > 0) dockerCli(host, "start", ...stopped);
  const missing = count - benchContainerIds(host).length;
  if (missing > 0) console.error(`creating ${missing} containers labelled ${BENCH_LABEL} on ${host} …`);
  for (let i = 0; i < missing; i++) {
    dockerCli(host, "run", "-d", "--network", "none", "--label", BENCH_LABEL, image, "sleep", "86400");
  }
  const ids = benchContainerIds(host).slice(0, count);
  return { ids, cleanup: () => process.env.WW_BENCH_KEEP === "1" || removeBenchContainers(host) };
}
