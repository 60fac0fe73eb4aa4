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
 *    change, vs. the same two list calls issued raw at the same interval.
 *    Goal ≤ 1.2×.
 *
 * Run (creates pods in Kubernetes namespace `ww-bench`, removes them afterwards):
 *   WW_TEST_CRI=/…/cri.sock npm run bench:cri [-- PODS [IDLE_SECONDS]]
 */
import { createClient } from "@connectrpc/connect";
import { CriClient, DEFAULT_RELIST_INTERVAL_MS, DEFAULT_STATUS_CONCURRENCY } from "../engines/cri/mod.ts";
import { ContainerState, PodSandboxState, RuntimeService } from "../engines/cri/gen/runtime/v1/api_pb.ts";
import { mapConcurrent } from "../lib/async/pool.ts";
import { sleep } from "../lib/async/wait.ts";
import { createUnixGrpcTransport } from "../lib/transport/grpc.ts";
import { CriAdmin } from "../tests/cri/admin.ts";
import { interleavedRounds, perRoundRatios, quantile, type Variant } from "./support/stats.ts";

const socket = process.env.WW_TEST_CRI ?? "/run/containerd/containerd.sock";
const pods = Number(process.argv[2] ?? 20);
const idleSeconds = Number(process.argv[3] ?? 60);
const NAMESPACE = "ww-bench";
const ROUNDS = 31;
const WARMUP_ROUNDS = 30;
const IDLE_ROUNDS = 4;

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

/** CPU seconds per minute this process spends while `run` idles for `seconds`. */
async function cpuPerMinute(seconds: number, run: (signal: AbortSignal) => Promise<void>): Promise<number> {
  const stop = new AbortController();
  const before = process.cpuUsage();
  const running = run(stop.signal);
  await sleep(seconds * 1000);
  stop.abort();
  await running;
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1e6) * (60 / seconds);
}

async function idleBench(): Promise<void> {
  const relisting = async (signal: AbortSignal): Promise<void> => {
    let relists = 0;
    const client = new CriClient({ socket, onCall: (m) => void (m.endsWith("/ListContainers") && relists++) });
    const stream = client.lifecycleEvents({ signal });
    await stream.subscribed;
    if (client.mode !== "relist-only") throw new Error(`the bench needs a relist-only runtime, got ${client.mode}`);
    for await (const event of stream) throw new Error(`idle runtime changed: ${event.type} ${event.id}`);
    await client.close();
    lists.client.push(relists);
  };
  const rawLists = async (signal: AbortSignal): Promise<void> => {
    let calls = 0;
    const grpc = createUnixGrpcTransport({ socketPath: socket, onCall: (m) => void (m.endsWith("/ListContainers") && calls++) });
    const runtime = createClient(RuntimeService, grpc.transport);
    const once = () =>
      Promise.all([
        runtime.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }),
        runtime.listPodSandbox({ filter: { state: { state: PodSandboxState.SANDBOX_READY } } }),
      ]);
    await once(); // the baseline, as the stream takes it
    try {
      for (;;) {
        await sleep(DEFAULT_RELIST_INTERVAL_MS, signal);
        await once();
      }
    } catch {
      // aborted: the measurement is over
    }
    grpc.close();
    lists.raw.push(calls);
  };
  const lists = { client: [] as number[], raw: [] as number[] };
  const results = { client: [] as number[], raw: [] as number[] };
  // Warm-up (connection, JIT), not counted.
  await cpuPerMinute(Math.min(idleSeconds, 15), relisting);
  await cpuPerMinute(Math.min(idleSeconds, 15), rawLists);
  lists.client.length = 0;
  lists.raw.length = 0;
  for (let round = 0; round < IDLE_ROUNDS; round++) {
    const order = round % 2 ? (["raw", "client"] as const) : (["client", "raw"] as const);
    for (const which of order) results[which].push(await cpuPerMinute(idleSeconds, which === "client" ? relisting : rawLists));
  }
  console.log(`\nIdle relist at the default interval (${DEFAULT_RELIST_INTERVAL_MS} ms), ${IDLE_ROUNDS} × ${idleSeconds} s per variant, alternating:`);
  console.log(`  relist-only event stream: ${results.client.map((v) => v.toFixed(3)).join(", ")} CPU s/min (${lists.client.join(", ")} ListContainers)`);
  console.log(`  the same list calls raw:  ${results.raw.map((v) => v.toFixed(3)).join(", ")} CPU s/min (${lists.raw.join(", ")} ListContainers)`);
  // Medians: a window in which another process loads the machine shows as an outlier in either variant.
  console.log(`  stream / raw = ${(quantile(results.client, 0.5) / quantile(results.raw, 0.5)).toFixed(2)}× (of medians; goal ≤ 1.2×)`);
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
