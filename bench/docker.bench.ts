/**
 * Docker client benchmarks against a real dockerd, each measured side by side
 * in one run:
 *
 * 1. Initial sync of N real containers: `DockerClient.list()` (bounded
 *    concurrency) vs. a serial list-then-inspect loop (the Go reference's
 *    algorithm: the same client with concurrency 1, same transport and
 *    decoding) vs. the floor (the same requests with the same concurrency,
 *    bodies read as bytes, no JSON or model work). Goal: ≤ 0.5× serial and
 *    ≤ 1.2× the floor. The raw requests issued serially show how much
 *    parallelism the daemon itself offers on this machine.
 * 2. Event-to-portfolio latency: start a container, time from the engine's
 *    start event (its `timeNano`) until a Watcher on a DockerClient emits it
 *    (inspected, in the portfolio), next to one inspect round trip.
 *
 * Run (creates N containers labelled `ww-bench`, removes them afterwards):
 *   WW_TEST_DOCKER_HOST=unix:///…/docker.sock npx tsx bench/docker.bench.ts [N]
 */
import { execFileSync } from "node:child_process";
import { DockerClient } from "../engines/docker/mod.ts";
import type { LifecycleEvent } from "../lib/events.ts";
import { createHttpTransport, parseEndpoint } from "../lib/transport/http.ts";
import { Watcher } from "../lib/watcher.ts";
import { interleavedRounds, perRoundRatios, quantile, type Variant } from "./support/stats.ts";

const host = process.env.WW_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
const image = process.env.WW_TEST_IMAGE ?? "ww-busybox:latest";
const count = Number(process.argv[2] ?? 100);
const ROUNDS = 31;
const WARMUP_ROUNDS = 50;
const LATENCY_SAMPLES = 30;
const LABEL = "ww-bench=1";

function docker(...args: string[]): string {
  return execFileSync("docker", ["-H", host, ...args], { encoding: "utf8", env: { ...process.env, DOCKER_HOST: "" } })
    .trim();
}

function benchContainers(): string[] {
  return docker("ps", "-q", "--no-trunc", "--filter", `label=${LABEL}`).split("\n").filter(Boolean);
}

function removeBenchContainers(): void {
  const all = docker("ps", "-aq", "--filter", `label=${LABEL}`).split("\n").filter(Boolean);
  for (let i = 0; i < all.length; i += 50) docker("rm", "-f", ...all.slice(i, i + 50));
}

function fmt(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

async function syncBench(): Promise<void> {
  const concurrent = new DockerClient({ host, env: {} });
  const serial = new DockerClient({ host, env: {}, concurrency: 1 });
  const apiVersion = await concurrent.apiVersion();
  await serial.apiVersion();
  const transport = await createHttpTransport(parseEndpoint(host));
  const listPath = `/v${apiVersion}/containers/json?filters=${encodeURIComponent('{"status":["running","paused"]}')}`;
  const ids = benchContainers();
  const floor = async (concurrency: number): Promise<void> => {
    await transport.get(listPath);
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await transport.get(`/v${apiVersion}/containers/${id}/json`);
      }
    }));
  };
  const variants: Variant[] = [
    ["DockerClient.list (concurrency 8)", () => concurrent.list()],
    ["serial list-then-inspect", () => serial.list()],
    ["floor (raw requests, concurrency 8)", () => floor(8)],
    ["raw requests, serial (for scale)", () => floor(1)],
  ];
  // Warm-up: the client's CPU per sync falls from ~100 ms (cold) to ~13 ms only
  // after some 40 syncs, once V8 has optimised its code path.
  for (let i = 0; i < WARMUP_ROUNDS; i++) for (const [, run] of variants) await run();
  // Per round, the client's time over each baseline's: pairs run back to back see the same machine load.
  const times = await interleavedRounds(variants, ROUNDS);
  const [clientTimes, serialTimes, floorTimes] = variants.slice(0, 3).map(([name]) => times.get(name)!);
  const paired = { serial: perRoundRatios(clientTimes!, serialTimes!), floor: perRoundRatios(clientTimes!, floorTimes!) };
  const alive = (await concurrent.list()).length;
  console.log(`\nInitial sync of ${alive} alive containers (${ids.length} bench containers), API ${apiVersion}, ${ROUNDS} rounds:`);
  const median = (name: string): number => quantile(times.get(name)!, 0.5);
  for (const [name] of variants) {
    console.log(`  ${name.padEnd(38)} median ${fmt(median(name))}  p90 ${fmt(quantile(times.get(name)!, 0.9))}`);
  }
  const client = median(variants[0]![0]);
  const ratios = (name: string, perRound: number[], goal: number): string =>
    `  client / ${name.padEnd(6)} = ${(client / median(name === "serial" ? variants[1]![0] : variants[2]![0])).toFixed(2)}× ` +
    `(of medians; per round: median ${quantile(perRound, 0.5).toFixed(2)}×, p90 ${quantile(perRound, 0.9).toFixed(2)}×) ` +
    `(goal ≤ ${goal}×)`;
  console.log(ratios("serial", paired.serial, 0.5));
  console.log(ratios("floor", paired.floor, 1.2));
  await Promise.all([concurrent.close(), serial.close(), transport.close()]);
}

async function latencyBench(): Promise<void> {
  const client = new DockerClient({ host, env: {} });
  const watcher = new Watcher(client);
  const stop = new AbortController();
  const watching = watcher.watch();
  await watcher.ready;
  const events = watcher.events({ signal: stop.signal })[Symbol.asyncIterator]();
  // A second, raw subscription splits the latency: when the engine's event reaches the client at all.
  const rawClient = new DockerClient({ host, env: {} });
  const arrivals = new Map<string, number>();
  const raw = rawClient.lifecycleEvents({ signal: stop.signal });
  const rawDone = (async () => {
    for await (const event of raw) if (event.type === "started") arrivals.set(event.id, Date.now() - event.time);
  })().catch(() => {});
  await raw.subscribed;
  const latencies: number[] = [];
  const deliveries: number[] = [];
  const inspects: number[] = [];
  try {
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const id = docker("run", "-d", "--network", "none", "--label", LABEL, image, "sleep", "3600");
      let event: LifecycleEvent | undefined;
      while (!event) {
        const next = await events.next();
        if (next.done) throw new Error("watcher ended");
        if (next.value.type === "started" && next.value.container.id === id) event = next.value;
      }
      latencies.push(Date.now() - event.time.getTime());
      while (!arrivals.has(id)) await new Promise((resolve) => setTimeout(resolve, 1));
      deliveries.push(arrivals.get(id)!);
      const start = performance.now();
      await client.inspect(id);
      inspects.push(performance.now() - start);
    }
  } finally {
    stop.abort();
    await watcher.close();
    await watching;
    await rawDone;
    await rawClient.close();
  }
  console.log(`\nEvent-to-portfolio latency over ${LATENCY_SAMPLES} container starts (engine start event → watcher event):`);
  console.log(`  p50 ${fmt(quantile(latencies, 0.5))}  p99 ${fmt(quantile(latencies, 0.99))} (max of ${LATENCY_SAMPLES})`);
  console.log(`  of which the engine's delivery (start event time → the raw event stream yields it): ` +
    `p50 ${fmt(quantile(deliveries, 0.5))}  p99 ${fmt(quantile(deliveries, 0.99))}`);
  console.log(`  one inspect round trip: p50 ${fmt(quantile(inspects, 0.5))}  p99 ${fmt(quantile(inspects, 0.99))}`);
  console.log("  (engine event times have ms resolution here; the latency includes the inspect the watcher makes)");
}

async function main(): Promise<void> {
  removeBenchContainers();
  console.log(`creating ${count} containers on ${host} …`);
  for (let i = 0; i < count; i++) docker("run", "-d", "--network", "none", "--label", LABEL, image, "sleep", "3600");
  try {
    await syncBench();
    await latencyBench();
  } finally {
    removeBenchContainers();
  }
}

await main();
