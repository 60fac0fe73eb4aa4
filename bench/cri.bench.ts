/**
 * CRI client benchmarks against a real containerd CRI plugin, each measured
 * side by side in one run:
 *
 * 1. Initial sync of PODS pods × 3 containers: `CriClient.list()` (list
 *    calls, then the verbose status calls with bounded concurrency) vs. the
 *    floor: the same calls issued with the same concurrency through the bare
 *    generated Connect client on the same kind of transport, the answers not
 *    parsed or converted. Time, and round trips per alive container
 *    (counted by `onCall`).
 * 2. Idle cost of the relist: CPU seconds per minute of a relist-only event
 *    stream at the default interval with 3 × PODS containers that do not
 *    change, vs. the same two list calls issued raw at the same interval;
 *    each in a child process of its own (bench/support/cri-idle-child.ts),
 *    both running through the same IDLE_WINDOWS windows of IDLE_SECONDS,
 *    so that a burst of the machine's other load hits both. Per window, CPU
 *    per relist (a window holds one relist more or less, by phase) scaled
 *    to a minute; the figure is the median of the per-window ratios.
 *    Goal ≤ 1.2×.
 *
 * Run (creates pods in Kubernetes namespace `ww-bench`, removes them afterwards):
 *   WW_TEST_CRI=/…/cri.sock npm run bench:cri [-- PODS [IDLE_SECONDS [IDLE_WINDOWS]]]
 */
import { createClient } from "@connectrpc/connect";
import { CriClient, DEFAULT_RELIST_INTERVAL_MS, DEFAULT_STATUS_CONCURRENCY } from "../engines/cri/mod.ts";
import { ContainerState, PodSandboxState, RuntimeService } from "../engines/cri/gen/runtime/v1/api_pb.ts";
import { mapConcurrent } from "../lib/async/pool.ts";
import { sleep } from "../lib/async/wait.ts";
import { createUnixGrpcTransport } from "../lib/transport/grpc.ts";
import { CriAdmin } from "../tests/cri/admin.ts";
import { ROOT, runtimeCommand, startChild } from "../tests/support/child.ts";
import type { LiveChild } from "../tests/support/child.ts";
import type { IdleReading } from "./support/cri-idle-child.ts";
import { interleavedRounds, perRoundRatios, quantile, type Variant } from "./support/stats.ts";

const socket = process.env.WW_TEST_CRI ?? "/run/containerd/containerd.sock";
const pods = Number(process.argv[2] ?? 20);
const idleSeconds = Number(process.argv[3] ?? 30);
const idleWindows = Number(process.argv[4] ?? 9);
const NAMESPACE = "ww-bench";
const ROUNDS = 31;
const WARMUP_ROUNDS = 30;
const IDLE_WARMUP_S = 15;

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** The floor: the calls `CriClient.list()` makes, through the bare generated client; answers only awaited. */
function rawSync(onCall: (method: string) => void): { run: () => Promise<void>; close: () => void } {
  const grpc = createUnixGrpcTransport({ socketPath: socket, onCall });
  const runtime = createClient(RuntimeService, grpc.transport);
  const run = async (): Promise<void> => {
    const [{ containers }, { items }] = await Promise.all([
      runtime.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }),
      runtime.listPodSandbox({}),
    ]);
    await mapConcurrent(containers, DEFAULT_STATUS_CONCURRENCY, (c) => runtime.containerStatus({ containerId: c.id, verbose: true }));
    const ready = items.filter((s) => s.state === PodSandboxState.SANDBOX_READY);
    await mapConcurrent(ready, DEFAULT_STATUS_CONCURRENCY, (s) => runtime.podSandboxStatus({ podSandboxId: s.id, verbose: true }));
  };
  return { run, close: () => grpc.close() };
}

async function syncBench(): Promise<void> {
  let clientCalls = 0;
  let rawCalls = 0;
  const client = new CriClient({ socket, onCall: () => clientCalls++ });
  const raw = rawSync(() => rawCalls++);
  const variants: Variant[] = [
    [`CriClient.list (status concurrency ${DEFAULT_STATUS_CONCURRENCY})`, () => client.list()],
    ["floor (same calls raw, same concurrency)", raw.run],
  ];
  for (let i = 0; i < WARMUP_ROUNDS; i++) for (const [, run] of variants) await run();
  const alive = (await client.list()).length;
  clientCalls = 0;
  rawCalls = 0;
  const times = await interleavedRounds(variants, ROUNDS);
  const perRound = perRoundRatios(times.get(variants[0]![0])!, times.get(variants[1]![0])!);
  console.log(`\nInitial sync of ${alive} alive containers and sandboxes (${pods} pods × 3 containers + their sandboxes), ${ROUNDS} rounds:`);
  for (const [name] of variants) {
    console.log(`  ${name.padEnd(44)} median ${fmt(quantile(times.get(name)!, 0.5))}  p90 ${fmt(quantile(times.get(name)!, 0.9))}`);
  }
  const ratio = quantile(times.get(variants[0]![0])!, 0.5) / quantile(times.get(variants[1]![0])!, 0.5);
  console.log(`  client / floor = ${ratio.toFixed(2)}× (of medians; per round: median ${quantile(perRound, 0.5).toFixed(2)}×, p90 ${quantile(perRound, 0.9).toFixed(2)}×)`);
  console.log(`  round trips per alive container: client ${(clientCalls / ROUNDS / alive).toFixed(3)}, floor ${(rawCalls / ROUNDS / alive).toFixed(3)}`);
  await client.close();
  raw.close();
}

/** Reads both children's totals at once (the same instant, so the same load). */
async function readAll(children: readonly LiveChild[]): Promise<IdleReading[]> {
  for (const child of children) child.process.stdin!.write("read\n");
  return await Promise.all(children.map(async (child) => JSON.parse(await child.nextLine(30_000)) as IdleReading));
}

/** CPU seconds per minute at the default interval, from one window's CPU time and relists. */
function perMinute(cpuUs: number, relists: number): number {
  return (cpuUs / 1e6 / relists) * (60_000 / DEFAULT_RELIST_INTERVAL_MS);
}

async function idleBench(): Promise<void> {
  // Side by side: each variant in a process of its own (its CPU time its own), both running through the same windows.
  const children = (["client", "raw"] as const).map((variant) =>
    startChild([...runtimeCommand("bench/support/cri-idle-child.ts"), variant, socket], { cwd: ROOT, interactive: true })
  );
  try {
    for (const child of children) {
      const line = await child.nextLine(60_000);
      if (line !== "ready") throw new Error(`idle child: ${line}`);
    }
    await sleep(IDLE_WARMUP_S * 1000); // connections, JIT: not counted
    let previous = await readAll(children);
    const windows: Array<{ client: number; raw: number; clientLists: number; rawLists: number }> = [];
    let busy = 0;
    for (let window = 0; window < idleWindows; window++) {
      await sleep(idleSeconds * 1000);
      const now = await readAll(children);
      const [client, raw] = now.map((reading, i) => ({
        cpuUs: reading.cpuUs - previous[i]!.cpuUs,
        lists: reading.lists - previous[i]!.lists,
        changes: reading.changes - previous[i]!.changes,
      }));
      previous = now;
      // Someone else changed the runtime: the stream did more than relist (status calls), not an idle window.
      if (client!.changes > 0) {
        busy++;
        continue;
      }
      // Per relist: a window holds one relist more or less depending on where the interval's phase falls.
      windows.push({ client: perMinute(client!.cpuUs, client!.lists), raw: perMinute(raw!.cpuUs, raw!.lists), clientLists: client!.lists, rawLists: raw!.lists });
    }
    const ratios = perRoundRatios(windows.map((w) => w.client), windows.map((w) => w.raw));
    const show = (values: number[]): string => `median ${quantile(values, 0.5).toFixed(4)}, p90 ${quantile(values, 0.9).toFixed(4)}`;
    console.log(`\nIdle relist at the default interval (${DEFAULT_RELIST_INTERVAL_MS} ms), both side by side in ${idleWindows} windows of ${idleSeconds} s (CPU s/min, from CPU per relist):`);
    console.log(`  relist-only event stream: ${show(windows.map((w) => w.client))} (${windows.map((w) => w.clientLists).join(", ")} relists)`);
    console.log(`  the same list calls raw:  ${show(windows.map((w) => w.raw))} (${windows.map((w) => w.rawLists).join(", ")} relists)`);
    if (busy > 0) console.log(`  (${busy} windows left out: the runtime changed during them)`);
    console.log(`  stream / raw per window: ${ratios.map((r) => r.toFixed(2)).join(", ")}`);
    console.log(`  stream / raw = ${quantile(ratios, 0.5).toFixed(2)}× (median of the per-window ratios, p90 ${quantile(ratios, 0.9).toFixed(2)}×; goal ≤ 1.2×)`);
  } finally {
    for (const child of children) child.process.stdin!.end("quit\n");
    await Promise.all(children.map((child) => child.exited));
  }
}

async function main(): Promise<void> {
  const admin = new CriAdmin(socket);
  await admin.removePods(NAMESPACE);
  console.log(`creating ${pods} pods × 3 containers on ${socket} …`);
  try {
    for (let i = 0; i < pods; i++) {
      const pod = await admin.runPod(NAMESPACE, `pod${i}`, { app: `pod${i}` });
      for (const name of ["main", "side", "log"]) await admin.runContainer(pod, name, ["/bin/sleep", "3600"]);
    }
    await syncBench();
    await idleBench();
  } finally {
    await admin.removePods(NAMESPACE);
    admin.close();
  }
}

await main();
