/**
 * Scale beyond what 2 cores can start (issue 15, item 5): a fake dockerd
 * (bench/support/fake-docker-server.ts, its own process, recorded inspect
 * bodies) with N containers and a storm of E events (pause, unpause, die,
 * start round robin), every runtime in turn:
 *
 * - initial sync: `DockerClient.list()` against the same requests raw (goal
 *   ≤ 1.1×), and the Go reference's serial list-then-inspect beside it;
 * - the storm end to end, engine socket to subscriber: lifecycle events/s
 *   into a watcher's subscriber, against a raw `/events` stream whose lines
 *   are only counted (the floor), and the watcher process's peak memory
 *   (sync of N containers plus the storm; every start is inspected).
 *
 * Run: node bench/scale.bench.ts [CONTAINERS] [EVENTS] [ROUNDS]   (default 10000 100000 3)
 */
import { startChild } from "../tests/support/child.ts";
import type { LiveChild } from "../tests/support/child.ts";
import { type Headline, reportResult } from "./support/report.ts";
import { benchRuntimes, ROOT } from "./support/runtimes.ts";
import type { BenchRuntime } from "./support/runtimes.ts";
import { table } from "./support/stats.ts";

const CONTAINERS = Number(process.argv[2] ?? 10_000);
const EVENTS = Number(process.argv[3] ?? 100_000);
const ROUNDS = Number(process.argv[4] ?? 3);
const runtimes = benchRuntimes();
const node = runtimes.find((r) => r.name === "node")!;
const json = async (child: LiveChild, ms = 300_000): Promise<Record<string, number>> =>
  JSON.parse(await child.nextLine(ms)) as Record<string, number>;

const server = startChild(node.script("bench/support/fake-docker-server.ts", String(CONTAINERS)), { cwd: ROOT, interactive: true });
const children: LiveChild[] = [server];
try {
  const { host } = JSON.parse(await server.nextLine(120_000)) as { host: string };
  const run = async (r: BenchRuntime, ...args: string[]): Promise<LiveChild> => {
    const child = startChild(r.script("bench/support/scale-child.ts", ...args), { cwd: ROOT });
    children.push(child);
    return child;
  };
  /** Runs a storm into a `watch` or `raw-events` child: its ready line, the storm, its count. */
  const storm = async (r: BenchRuntime, mode: string): Promise<Record<string, number>> => {
    const child = await run(r, mode, host, String(EVENTS));
    const ready = await json(child);
    server.process.stdin!.write(`storm ${EVENTS}\n`);
    const written = await json(server);
    return { ...ready, ...(await json(child)), writtenMs: written.ms! };
  };
  const results = new Map<BenchRuntime, { sync: Record<string, number>; watch: Record<string, number>; raw: Record<string, number> }>();
  for (const r of runtimes) {
    console.error(`${r.label}: sync …`);
    const sync = await json(await run(r, "sync", host, String(ROUNDS)));
    console.error(`${r.label}: storm …`);
    const watch = await storm(r, "watch");
    const raw = await storm(r, "raw-events");
    results.set(r, { sync, watch, raw });
    console.error(`${r.label}: ${JSON.stringify({ sync, watch, raw })}`);
  }
  const headlines: Headline[] = [];
  const s = (v: number | undefined): string => `${((v ?? Number.NaN) / 1000).toFixed(2)} s`;
  const rate = (f: Record<string, number>): number => f.delivered! / (f.ms! / 1000);
  const syncRows = [...results].map(([r, { sync }]) => {
    headlines.push({ label: `${CONTAINERS / 1000}k-container sync list / raw, ${r.name}`, value: sync.client! / sync.raw!, goal: 1.1, unit: "×" });
    return [r.label, s(sync.client), s(sync.raw), `${(sync.client! / sync.raw!).toFixed(2)}×`, s(sync.serialClient),
      `${(sync.client! / sync.serialClient!).toFixed(2)}×`, s(sync.serialRaw), String(sync.listed)];
  });
  const stormRows = [...results].map(([r, { watch, raw }]) => [
    r.label,
    `${watch.delivered} in ${s(watch.ms)}`,
    `${Math.round(rate(watch)).toLocaleString("en")}/s`,
    `${Math.round(rate(raw)).toLocaleString("en")}/s (${raw.delivered} lines)`,
    `${(rate(raw) / rate(watch)).toFixed(2)}×`,
    s(watch.readyMs),
    `${watch.peakMb!.toFixed(0)} MB`,
  ]);
  const markdown = [
    `A fake dockerd on a unix socket (own process, recorded dockerd 20.10 inspect bodies of 3.9 kB) with`,
    `${CONTAINERS.toLocaleString("en")} containers; sync medians of ${ROUNDS} interleaved rounds, concurrency 8 unless serial.`,
    "",
    table(["runtime", "list()", "raw requests", "list / raw", "serial list-then-inspect (Go reference)", "list / serial",
      "raw, serial", "listed"], syncRows),
    "",
    `Storm of ${EVENTS.toLocaleString("en")} events (pause, unpause, die, start round robin; every start costs the watcher an inspect):`,
    "",
    table(["runtime", "lifecycle events into the subscriber", "events/s", "floor: raw /events lines/s", "floor / watcher",
      "watcher start-to-ready", "watcher peak RSS (sync + storm)"], stormRows),
  ].join("\n");
  console.log(markdown);
  reportResult({ title: "Scale: 10,000 containers and an event storm (`bench/scale.bench.ts`)", markdown, headlines });
} finally {
  server.process.stdin?.write("quit\n");
  for (const child of children) child.process.kill();
}
