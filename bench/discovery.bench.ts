/**
 * Discovery and host-watcher benchmarks, each measured side by side with its
 * baseline in one run:
 *
 * 1. A full scan with three engines (the private dockerd, podman service and
 *    containerd of the test setup): `discoverEngines()` wall time and CPU, next
 *    to its two floors run in the same rounds: the three probes alone (client
 *    version + ID, in parallel) and the /proc reads alone (every process's
 *    `stat`, the engine processes' listening sockets). The scan reads a /proc
 *    view holding only those three engine processes (a directory of symlinks
 *    into /proc: every read is a real /proc read), since this shared machine
 *    runs some 30 engines of other sessions; one whole-host scan is shown for
 *    scale. Goal: < 100 ms wall.
 * 2. `containerOf` on 1,000 random PIDs of a generated /proc tree with 100
 *    containers (own PID namespaces, children, exec'd processes, shims, 300
 *    host processes in trees; then again with 10 of the containers in the
 *    host's PID namespace, so host processes walk their ancestry), warm (the same locator again: each process's
 *    walk remembered) and cold (a new locator each round), next to the floor:
 *    one synchronous `stat` read per PID (the locator's reads are
 *    synchronous). Goal: ≤ 20 µs each.
 * 3. Idle CPU of a host watcher over the three engines for 60 s (default
 *    rescan every 30 s: two scans), next to the same process idle for the
 *    same time before it started. Goal: ≈ 0 between scans.
 *
 * Run (private engines running, see scripts/engines.mjs):
 *   . /tmp/<name>-env.sh && node scripts/with-node.mjs --import tsx bench/discovery.bench.ts
 * WW_BENCH_IDLE_S shortens part 3 (default 60); WW_BENCH_PARTS=3 runs only some parts (default 123).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { discoverableKinds, discoverEngines } from "../engines/discovery.ts";
import { hostWatcher } from "../engines/host.ts";
import { sleep } from "../lib/async/wait.ts";
import { ContainerLocator } from "../lib/container-of.ts";
import { WatcherClosedError } from "../lib/errors.ts";
import type { DiscoveredEngine, DiscoveryReport } from "../lib/discovery/types.ts";
import { newContainer } from "../lib/model/container.ts";
import { Portfolio } from "../lib/model/portfolio.ts";
import { ProcFs } from "../lib/proc/procfs.ts";
import { writeProcEntry } from "../tests/support/proc-tree.ts";

const ENDPOINTS = [process.env.WW_TEST_DOCKER_HOST, process.env.WW_TEST_PODMAN_HOST, process.env.WW_TEST_CONTAINERD];
const ROUNDS = 21;
const WARMUP_ROUNDS = 5;
const IDLE_S = Number(process.env.WW_BENCH_IDLE_S ?? 60);

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Wall and CPU milliseconds of one call. */
async function measure(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** A directory that looks like /proc but lists only `pids` (symlinks to their real entries) and `self`. */
function procView(pids: readonly number[]): string {
  const dir = mkdtempSync(`${tmpdir()}/ww-bench-proc-`);
  for (const pid of pids) symlinkSync(`/proc/${pid}`, `${dir}/${pid}`);
  symlinkSync("/proc/self", `${dir}/self`);
  return dir;
}

/** The three private engines as a whole-host scan finds them. */
async function threeEngines(): Promise<{ three: DiscoveredEngine[]; host: DiscoveryReport }> {
  const host = await discoverEngines();
  const engines = ENDPOINTS.map((endpoint) => host.engines.find((e) => e.api === endpoint || e.alsoAt.includes(endpoint!)));
  if (engines.some((e) => e === undefined || e.pid === 0)) throw new Error(`not all three engines found by their process: ${ENDPOINTS.join(", ")}`);
  return { three: engines as DiscoveredEngine[], host };
}

async function threeEngineView(): Promise<string> {
  return procView((await threeEngines()).three.map((e) => e.pid));
}

async function scanBench(): Promise<{ view: string }> {
  const whole = await measure(() => discoverEngines());
  const { three, host } = await threeEngines();
  const view = procView(three.map((e) => e.pid));
  const kinds = new Map(discoverableKinds().map((kind) => [kind.name, kind]));
  const proc = new ProcFs({ root: view });
  const variants: Array<[string, () => Promise<unknown>]> = [
    ["discoverEngines() (3 engine processes)", async () => {
      const report = await discoverEngines({ procRoot: view });
      if (report.engines.length < 3) throw new Error(`found ${report.engines.length} engines`);
    }],
    ["floor: the 3 probes alone (version + ID)", () =>
      Promise.all(three.map(async (engine) => {
        const client = await kinds.get(engine.kind)!.create(engine.api);
        await client.version();
        await client.id();
        await client.close();
      }))],
    ["floor: the /proc reads alone", async () => {
      await proc.processes();
      await Promise.all(three.map((engine) => proc.listeningSockets(engine.pid)));
    }],
  ];
  for (let i = 0; i < WARMUP_ROUNDS; i++) for (const [, run] of variants) await run();
  const wall = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  const cpu = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of round % 2 ? variants : [...variants].reverse()) {
      const m = await measure(run);
      wall.get(name)!.push(m.wall);
      cpu.get(name)!.push(m.cpu);
    }
  }
  console.log(`\n1. Full scan, three engines (${three.map((e) => `${e.type} pid ${e.pid}`).join(", ")}), ${ROUNDS} rounds:`);
  for (const [name] of variants) {
    const w = wall.get(name)!;
    const c = cpu.get(name)!;
    console.log(`  ${name.padEnd(42)} wall median ${quantile(w, 0.5).toFixed(1)} ms, p90 ${quantile(w, 0.9).toFixed(1)} ms; CPU median ${quantile(c, 0.5).toFixed(1)} ms`);
  }
  const median = (name: string) => quantile(wall.get(name)!, 0.5);
  const floors = median(variants[1]![0]) + median(variants[2]![0]);
  console.log(`  scan / (probes + /proc floors) = ${(median(variants[0]![0]) / floors).toFixed(2)}× (the scan runs both, probes in parallel)`);
  console.log(`  for scale, one whole-host scan (${host.engines.length} engines, ${host.candidates.length} candidates): wall ${whole.wall.toFixed(0)} ms, CPU ${whole.cpu.toFixed(0)} ms`);
  return { view };
}

/**
 * A /proc tree with 100 containers and 300 host processes, the first
 * `hostShared` containers in the host's PID namespace (`--pid=host`); returns
 * its root, the portfolio and every PID.
 */
function syntheticProc(hostShared: number): { root: string; portfolio: Portfolio; pids: number[] } {
  const root = mkdtempSync(`${tmpdir()}/ww-bench-containers-`);
  const pids: number[] = [];
  const write = (pid: number, ppid: number, ns: number, nspid: string, cgroup: string): void => {
    writeProcEntry(root, { pid, ppid, ns, nspid: nspid.split("\t").map(Number), cgroup });
    pids.push(pid);
  };
  const HOST_NS = 4026531836;
  write(1, 0, HOST_NS, "1", "/init.scope");
  symlinkSync("1", `${root}/self`);
  const portfolio = new Portfolio();
  let next = 2;
  const hostPids = [1];
  for (let i = 0; i < 300; i++) {
    const ppid = hostPids[Math.floor(Math.random() * Math.min(hostPids.length, 60))]!; // trees up to ~6 deep
    write(next, ppid, HOST_NS, String(next), "/user.slice");
    hostPids.push(next++);
  }
  for (let c = 0; c < 100; c++) {
    const id = c.toString(16).padStart(64, "0");
    const cgroup = `/system.slice/docker-${id}.scope`;
    const shim = next++;
    const init = next++;
    const shared = c < hostShared;
    const ns = shared ? HOST_NS : HOST_NS + 1 + c;
    const nspid = (pid: number, inner: number) => (shared ? String(pid) : `${pid}\t${inner}`);
    write(shim, 1, HOST_NS, String(shim), "/system.slice/docker.service");
    write(init, shim, ns, nspid(init, 1), cgroup);
    write(next, init, ns, nspid(next, 2), cgroup);
    next++;
    write(next, shim, ns, nspid(next, 3), cgroup); // an exec'd process
    next++;
    portfolio.add(newContainer({ id, name: `c${c}`, pid: init }));
  }
  return { root, portfolio, pids };
}

async function containerOfBench(hostShared: number): Promise<void> {
  const { root, portfolio, pids } = syntheticProc(hostShared);
  try {
    const newLocator = () => new ContainerLocator(() => [{ portfolio, identity: { type: "bench", api: "/none", id: "" } }], { procRoot: root });
    const locator = newLocator();
    const sample = Array.from({ length: 1000 }, () => pids[Math.floor(Math.random() * pids.length)]!);
    // Warm: the same locator every round, so each PID's walk is remembered (the usual case: the same processes asked again).
    const lookups = async () => {
      for (const pid of sample) await locator.containerOf(pid);
    };
    // Cold: a new locator each round, nothing remembered (as after every change of the alive containers).
    const coldLookups = async () => {
      const fresh = newLocator();
      for (const pid of sample) await fresh.containerOf(pid);
    };
    // The locator reads synchronously (see ProcFs): its floor is one such read per PID.
    const floor = async () => {
      for (const pid of sample) readFileSync(`${root}/${pid}/stat`, "utf8");
    };
    const asyncFloor = async () => {
      for (const pid of sample) await readFile(`${root}/${pid}/stat`, "utf8");
    };
    let owned = 0;
    for (const pid of sample) if (await locator.containerOf(pid)) owned++;
    for (let i = 0; i < 3; i++) {
      await lookups();
      await floor();
    }
    const per = { lookups: [] as number[], cold: [] as number[], floor: [] as number[], asyncFloor: [] as number[], ratio: [] as number[], coldRatio: [] as number[] };
    for (let round = 0; round < 11; round++) {
      const a = (await measure(lookups)).wall;
      const b = (await measure(floor)).wall;
      const c = (await measure(coldLookups)).wall;
      per.lookups.push(a);
      per.floor.push(b);
      per.cold.push(c);
      per.asyncFloor.push((await measure(asyncFloor)).wall);
      per.ratio.push(a / b);
      per.coldRatio.push(c / b);
    }
    const sharing = hostShared === 0 ? "each in its own PID namespace" : `${hostShared} of them in the host's PID namespace`;
    console.log(`\n2. containerOf on 1,000 random PIDs (${owned} in a container) of ${pids.length} processes, 100 containers (${sharing}), 11 rounds:`);
    console.log(`  containerOf, warm      median ${(quantile(per.lookups, 0.5)).toFixed(1)} µs per lookup, p90 ${quantile(per.lookups, 0.9).toFixed(1)}`);
    console.log(`  containerOf, cold      median ${(quantile(per.cold, 0.5)).toFixed(1)} µs per lookup, p90 ${quantile(per.cold, 0.9).toFixed(1)} (a new locator: nothing remembered)`);
    console.log(`  floor: one stat read   median ${(quantile(per.floor, 0.5)).toFixed(1)} µs per PID, p90 ${quantile(per.floor, 0.9).toFixed(1)}`);
    console.log(`  (the same read async   median ${(quantile(per.asyncFloor, 0.5)).toFixed(1)} µs per PID, for scale)`);
    console.log(`  containerOf / floor = ${quantile(per.ratio, 0.5).toFixed(2)}× warm, ${quantile(per.coldRatio, 0.5).toFixed(2)}× cold (medians of per-round ratios) (goal ≤ 20 µs each)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function idleBench(view: string): Promise<void> {
  const idle = await measure(() => sleep(IDLE_S * 1000));
  const host = hostWatcher({ discovery: { procRoot: view } });
  const watching = host.watch();
  await host.rescan();
  while (host.engines().some((view) => view.health.state !== "synced")) await sleep(100);
  const engines = host.engines().length;
  const watched = await measure(() => sleep(IDLE_S * 1000));
  await host.close();
  // A scan under way when close() aborts it ends watch() with WatcherClosedError (a rescan was due at 60 s).
  await watching.catch((error: unknown) => {
    if (!(error instanceof WatcherClosedError)) throw error;
  });
  console.log(`\n3. Idle CPU over ${IDLE_S} s (rescan every 30 s):`);
  console.log(`  baseline: this process idle, before the watcher   CPU ${idle.cpu.toFixed(1)} ms (${(idle.cpu / IDLE_S).toFixed(2)} ms/s)`);
  console.log(`  host watcher, ${engines} engines synced             CPU ${watched.cpu.toFixed(1)} ms (${(watched.cpu / IDLE_S).toFixed(2)} ms/s)`);
}

const parts = process.env.WW_BENCH_PARTS ?? "123";
// Part 2 reads a generated /proc tree only: it runs without the engines.
const view = parts.includes("1") ? (await scanBench()).view : parts.includes("3") ? await threeEngineView() : undefined;
try {
  // Without containers in the host's PID namespace (the usual host), a host process's ancestry is not read;
  // with some, every host process walks it.
  if (parts.includes("2")) for (const hostShared of [0, 10]) await containerOfBench(hostShared);
  if (view !== undefined && parts.includes("3")) await idleBench(view);
} finally {
  if (view !== undefined) rmSync(view, { recursive: true, force: true });
}
