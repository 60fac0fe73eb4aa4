/**
 * Memory of an idle `whalewatcher --watch` (issue 15, item 4): the CLI as
 * users start it, on every runtime at once, watching N alive containers on a
 * real dockerd. Resident memory once the picture is printed and the process
 * idles (goal: Node ≤ 55 MB, Deno ≤ 50 MB, Bun ≤ 40 MB), then through a churn
 * soak (kill/start and pause/unpause of random containers) sampled every few
 * seconds: growth from idle to after the soak and the slope over it (goal:
 * flat, no growth beyond noise).
 *
 * The floors beside it: each bare runtime idling (`setInterval`), and on Node
 * the bare runtime with undici's Agent and request loaded (the HTTP client's
 * own share, before its parser is compiled).
 *
 * Run: WW_TEST_DOCKER_HOST=unix:///…/docker.sock node bench/memory.bench.ts [--soak SECONDS] [--containers N]
 * (default soak 60 s; `npm run bench:soak-memory` runs 10 minutes). Node runs dist/cli/bin.js: build first.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startChild } from "../tests/support/child.ts";
import type { LiveChild } from "../tests/support/child.ts";
import { ensureBenchContainers } from "./support/containers.ts";
import { type Headline, reportResult, verdict } from "./support/report.ts";
import { benchRuntimes, readRss, ROOT } from "./support/runtimes.ts";
import { median, slope, table } from "./support/stats.ts";

const run = promisify(execFile);
const host = process.env.WW_TEST_DOCKER_HOST ?? "";
if (!host.startsWith("unix://")) throw new Error("set WW_TEST_DOCKER_HOST=unix:///…/docker.sock (a dockerd to fill with containers)");
const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const SOAK_S = option("--soak", 60);
const COUNT = option("--containers", 100);
const SETTLE_MS = 5000;
const SAMPLE_MS = 5000;
const GOALS: Record<string, number> = { node: 55, deno: 50, bun: 40 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const { ids, cleanup } = ensureBenchContainers(host, process.env.WW_TEST_IMAGE ?? "ww-busybox:latest", COUNT);
const runtimes = benchRuntimes();
const started: LiveChild[] = [];
const start = (argv: string[]): LiveChild => {
  const child = startChild(argv, { cwd: ROOT, env: { DOCKER_HOST: host, NO_COLOR: "1" } });
  started.push(child);
  return child;
};

try {
  // Floors: bare runtimes, and Node with undici loaded.
  const floors = new Map<string, number>();
  const idle = "setInterval(() => {}, 1e6)";
  const floorChildren: Array<[string, LiveChild]> = runtimes.map((r) => [`${r.label}, bare`, start(r.evaluate(idle))]);
  const node = runtimes.find((r) => r.name === "node")!;
  // undici's parts as the Node adapter loads them (not its index: see lib/transport/node.ts).
  const undici = `Promise.all([import("undici/lib/dispatcher/agent.js"), import("undici/lib/api/api-request.js")])`;
  floorChildren.push([`${node.label} + undici's Agent and request loaded`, start(node.evaluate(`${undici}.then(() => ${idle})`))]);
  await sleep(SETTLE_MS);
  for (const [label, child] of floorChildren) {
    floors.set(label, (await readRss(child.process.pid!)).rss);
    child.process.kill();
  }

  const watchers = runtimes.map((r) => ({
    runtime: r,
    child: start(r.cli("--engine", "docker", "--docker-host", host, "--watch", "--json")),
    samples: [] as Array<[number, number]>,
  }));
  for (const w of watchers) await w.child.nextLine(120_000);
  await sleep(SETTLE_MS);
  const idleRss = new Map(await Promise.all(watchers.map(async (w) => [w.runtime, await readRss(w.child.process.pid!)] as const)));

  // Churn soak: one engine operation after the other while sampling.
  const soakStart = Date.now();
  let operations = 0;
  const churn = (async () => {
    while (Date.now() - soakStart < SOAK_S * 1000) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const [a, b] = Math.random() < 0.5 ? ["pause", "unpause"] : ["kill", "start"];
      await run("docker", ["-H", host, a!, id], { env: { ...process.env, DOCKER_HOST: "" } });
      await run("docker", ["-H", host, b!, id], { env: { ...process.env, DOCKER_HOST: "" } });
      operations += 2;
    }
  })();
  while (Date.now() - soakStart < SOAK_S * 1000) {
    for (const w of watchers) w.samples.push([(Date.now() - soakStart) / 60_000, (await readRss(w.child.process.pid!)).rss]);
    await sleep(SAMPLE_MS);
  }
  await churn;
  await sleep(SETTLE_MS);
  const after = new Map(await Promise.all(watchers.map(async (w) => [w.runtime, await readRss(w.child.process.pid!)] as const)));

  const headlines: Headline[] = [];
  const rows = watchers.map((w) => {
    const goal = GOALS[w.runtime.name]!;
    const idleMb = idleRss.get(w.runtime)!.rss;
    headlines.push({ label: `idle --watch RSS, ${w.runtime.name} (MB)`, value: idleMb, goal, unit: "MB" });
    const soaked = after.get(w.runtime)!;
    const ys = w.samples.map(([, y]) => y);
    const half = Math.floor(ys.length / 2);
    return [
      w.runtime.label,
      `${idleMb.toFixed(1)} MB`,
      `≤ ${goal} MB: ${verdict({ value: idleMb, goal })}`,
      `${soaked.rss.toFixed(1)} MB (${(soaked.rss - idleMb >= 0 ? "+" : "")}${(soaked.rss - idleMb).toFixed(1)})`,
      `${median(ys.slice(0, half)).toFixed(1)} → ${median(ys.slice(half)).toFixed(1)} MB`,
      `${slope(w.samples.map(([x]) => x), ys).toFixed(2)} MB/min`,
      `${soaked.peak.toFixed(1)} MB`,
    ];
  });
  const markdown = [
    `Idle \`whalewatcher --watch --json --engine docker\` with ${COUNT} alive containers (${SETTLE_MS / 1000} s after the picture), then a`,
    `${SOAK_S} s churn soak (${operations} kill/start and pause/unpause operations, RSS sampled every ${SAMPLE_MS / 1000} s). MB = 10⁶ bytes.`,
    "",
    table(["runtime", "idle RSS", "goal", "after the soak", "soak: 1st half → 2nd half (medians)", "slope", "peak (VmHWM)"], rows),
    "",
    table(["floor", "idle RSS"], [...floors].map(([label, mb]) => [label, `${mb.toFixed(1)} MB`])),
  ].join("\n");
  console.log(markdown);
  reportResult({ title: "Memory: idle `--watch` and churn soak (`bench/memory.bench.ts`)", markdown, headlines });
} finally {
  for (const child of started) child.process.kill();
  cleanup();
}
