/**
 * Warm sync on every runtime, side by side (issue 15, item 3): in one
 * long-lived process per runtime, with N alive containers on a real dockerd,
 *
 * - a new watcher's start-to-ready (new client: connect, `/_ping`, `/events`
 *   subscription, list and inspect every container), goal for Node and Deno
 *   ≤ 1.25× Bun's in the same run;
 * - `DockerClient.list()` against the same requests issued raw with the
 *   runtime's own HTTP client (bench/support/raw-http.ts), goal ≤ 1.1×;
 * - the raw requests across runtimes: the floor each runtime's HTTP stack
 *   sets, which no client on it can beat; and the CPU each variant burns.
 *
 * The runtimes run as children driven round by round: each round runs one
 * runtime after the other (order rotating), so load on the 2 cores hits them
 * alike and only one of them works at a time. Warm: every child first runs
 * WARMUP rounds unmeasured (V8/JSC optimise the path after some 40 syncs).
 *
 * Run: WW_TEST_DOCKER_HOST=unix:///…/docker.sock node bench/warm-sync.bench.ts [ROUNDS] [CONTAINERS]
 */
import { startChild } from "../tests/support/child.ts";
import type { LiveChild } from "../tests/support/child.ts";
import { ensureBenchContainers } from "./support/containers.ts";
import { type Headline, reportResult, verdict } from "./support/report.ts";
import { benchRuntimes, ROOT } from "./support/runtimes.ts";
import type { BenchRuntime } from "./support/runtimes.ts";
import { median, ms, table } from "./support/stats.ts";
import type { RoundFigures } from "./support/warm-sync-child.ts";

const host = process.env.WW_TEST_DOCKER_HOST ?? "";
if (!host.startsWith("unix://")) throw new Error("set WW_TEST_DOCKER_HOST=unix:///…/docker.sock (a dockerd to fill with containers)");
const ROUNDS = Number(process.argv[2] ?? 21);
const COUNT = Number(process.argv[3] ?? 100);
const WARMUP = Number(process.env.WW_BENCH_WARMUP ?? 50);

const { cleanup } = ensureBenchContainers(host, process.env.WW_TEST_IMAGE ?? "ww-busybox:latest", COUNT);
const runtimes = benchRuntimes();
const children = new Map<BenchRuntime, LiveChild>();
try {
  for (const r of runtimes) {
    const child = startChild(r.script("bench/support/warm-sync-child.ts", host), { cwd: ROOT, interactive: true });
    children.set(r, child);
    console.error(`${r.label}: ${await child.nextLine(60_000)}`);
  }
  const ask = async (r: BenchRuntime, command: string): Promise<unknown> => {
    const child = children.get(r)!;
    child.process.stdin!.write(`${command}\n`);
    return JSON.parse(await child.nextLine(600_000));
  };
  for (const r of runtimes) await ask(r, `warm ${WARMUP}`);
  const figures = new Map<BenchRuntime, RoundFigures[]>(runtimes.map((r) => [r, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = runtimes.map((_, i) => runtimes[(i + round) % runtimes.length]!);
    for (const r of order) figures.get(r)!.push((await ask(r, "round")) as RoundFigures);
  }
  for (const r of runtimes) await ask(r, "quit").catch(() => {});
  report(figures);
} finally {
  for (const child of children.values()) child.process.kill();
  cleanup();
}

function report(figures: Map<BenchRuntime, RoundFigures[]>): void {
  const of = (r: BenchRuntime, key: keyof RoundFigures): number => median(figures.get(r)!.map((f) => f[key]));
  const rows = runtimes.map((r) => [
    r.label,
    ms(of(r, "ready")),
    ms(of(r, "list")),
    ms(of(r, "raw")),
    `${(median(figures.get(r)!.map((f) => f.list / f.raw))).toFixed(2)}×`,
    `${ms(of(r, "listCpu"))} / ${ms(of(r, "rawCpu"))}`,
  ]);
  const headlines: Headline[] = [];
  const bun = runtimes.find((r) => r.name === "bun");
  const across: string[][] = [];
  for (const r of runtimes) {
    if (bun && r !== bun) {
      // Per round: the rounds of both runtimes ran back to back.
      const perRound = (key: keyof RoundFigures): number =>
        median(figures.get(r)!.map((f, i) => f[key] / figures.get(bun)![i]![key]));
      const ready = perRound("ready");
      headlines.push({ label: `warm start-to-ready ${r.name} / bun`, value: ready, goal: 1.25, unit: "×" });
      across.push([`${r.label} / ${bun.label}`, `${ready.toFixed(2)}×`, `${perRound("list").toFixed(2)}×`, `${perRound("raw").toFixed(2)}×`,
        `${(of(r, "rawCpu") / of(bun, "rawCpu")).toFixed(2)}×`, verdict({ value: ready, goal: 1.25 })]);
    }
  }
  for (const r of runtimes) {
    const value = median(figures.get(r)!.map((f) => f.list / f.raw));
    headlines.push({ label: `list / raw requests, ${r.name}`, value, goal: 1.1, unit: "×" });
  }
  const markdown = [
    `${COUNT} alive containers on a real dockerd, ${ROUNDS} interleaved rounds after ${WARMUP} warm-up rounds per runtime; medians.`,
    "",
    table(["runtime", "start-to-ready", "list()", "raw requests", "list / raw (per round)", "CPU list / raw"], rows),
    "",
    table(["ratio (median of per-round ratios)", "start-to-ready", "list()", "raw requests (floor)", "raw CPU", "goal ≤ 1.25×"], across),
    "",
    "The raw-requests column is the floor of each runtime's HTTP stack: the same 101 requests issued with",
    "the runtime's own client, bodies read as bytes. Where it is above 1.25× Bun's, no client on that runtime",
    "meets the start-to-ready goal, and the gap is in the runtime, not in whalewatcher.",
  ].join("\n");
  console.log(markdown);
  reportResult({ title: "Warm sync, every runtime (`bench/warm-sync.bench.ts`)", markdown, headlines });
}
