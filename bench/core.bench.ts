/**
 * Core benchmarks: reducer throughput, memory per container, snapshot and
 * lookup cost — each measured side by side with a baseline in the same run.
 *
 * Run: `npm run bench:core` (Node, with --expose-gc for the memory figures).
 */
import { PROJECT_UNKNOWN } from "../lib/engine.ts";
import { type Container, newContainer } from "../lib/model/container.ts";
import { Portfolio } from "../lib/model/portfolio.ts";
import { initialState, type ReducerInput, reduce, type WatchState } from "../lib/reducer.ts";

const TRACKED = 10_000;
const EVENTS = 200_000;

function container(i: number, pid = 10_000 + i): Container {
  return newContainer({
    id: i.toString(16).padStart(64, "0"),
    name: `project${i % 50}-service${i % 7}-${i}`,
    pid,
    project: `project${i % 50}`,
    labels: {
      "com.docker.compose.project": `project${i % 50}`,
      "com.docker.compose.service": `service${i % 7}`,
      "com.docker.compose.container-number": String(i),
      "com.docker.compose.oneoff": "False",
      "org.example.owner": `team-${i % 13}`,
    },
  });
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// A steady-state event mix on 10,000 tracked containers: pause, unpause, exit and a restart.
const listed = Array.from({ length: TRACKED }, (_, i) => container(i));
const inputs: ReducerInput[] = [];
for (let n = 0; inputs.length < EVENTS; n++) {
  const i = (n * 7919) % TRACKED;
  const id = listed[i]!.id;
  inputs.push({ kind: "paused", id, time: n }, { kind: "unpaused", id, time: n });
  inputs.push({ kind: "exited", id, project: PROJECT_UNKNOWN, time: n });
  inputs.push({ kind: "started", container: container(i, 100_000 + n), time: n });
}

function reducerRun(): number {
  let state: WatchState = reduce(reduce(initialState, { kind: "sync-started", time: 0 }).state, {
    kind: "listed",
    containers: listed,
    time: 0,
    engine: { type: "bench", api: "bench", id: "" },
  }).state;
  let emitted = 0;
  for (const input of inputs) {
    const step = reduce(state, input);
    state = step.state;
    emitted += step.events.length;
  }
  return emitted;
}

// Baseline: the same fold into one mutable Map (no snapshots, no projects, no events).
function baselineRun(): number {
  const map = new Map<string, Container>(listed.map((c) => [c.id, c]));
  let changes = 0;
  for (const input of inputs) {
    if (input.kind === "started") map.set(input.container.id, input.container);
    else if (input.kind === "exited") map.delete(input.id);
    else if (input.kind === "paused" || input.kind === "unpaused") {
      const c = map.get(input.id);
      if (c) map.set(input.id, { ...c, paused: input.kind === "paused" });
    }
    changes++;
  }
  return changes;
}

/** Median of the timings, the two measured alternately so that machine noise hits both alike. */
const ROUNDS = 7;
function medianMs(timings: number[]): { ms: number } {
  const sorted = [...timings].sort((a, b) => a - b);
  return { ms: sorted[Math.floor(sorted.length / 2)]! };
}
reducerRun(); // warm up both
baselineRun();
const reducerTimes: number[] = [];
const baselineTimes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  gc();
  reducerTimes.push(time(reducerRun).ms);
  gc();
  baselineTimes.push(time(baselineRun).ms);
}
const reducer = medianMs(reducerTimes);
const baseline = medianMs(baselineTimes);
const eventsPerSecond = EVENTS / (reducer.ms / 1000);

// Memory: portfolio of containers vs. the bare containers in an array.
function heapOf(build: () => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc();
  const used = process.memoryUsage().heapUsed - before;
  if (!kept) throw new Error("unreachable");
  return used;
}
const bare = heapOf(() => Array.from({ length: TRACKED }, (_, i) => container(i)));
const inPortfolio = heapOf(() => {
  const p = new Portfolio();
  for (let i = 0; i < TRACKED; i++) p.add(container(i));
  return p;
});

// Snapshot and lookups at 10,000 containers.
const portfolio = new Portfolio();
for (const c of listed) portfolio.add(c);
const SNAPSHOTS = 100_000;
const snapshot = time(() => {
  let p = portfolio;
  for (let i = 0; i < SNAPSHOTS; i++) p = p.clone();
  return p;
});
const LOOKUPS = 100_000;
const projectLookup = time(() => {
  let total = 0;
  for (let i = 0; i < LOOKUPS; i++) total += portfolio.project(`project${i % 50}`)!.name.length;
  return total;
});
const containerLookup = time(() => {
  let total = 0;
  for (let i = 0; i < LOOKUPS; i++) total += portfolio.container(listed[(i * 31) % TRACKED]!.name)!.pid;
  return total;
});
const mapLookup = (() => {
  const byName = new Map(listed.map((c) => [c.name, c]));
  return time(() => {
    let total = 0;
    for (let i = 0; i < LOOKUPS; i++) total += byName.get(listed[(i * 31) % TRACKED]!.name)!.pid;
    return total;
  });
})();
const projectContainers = time(() => portfolio.project("project7")!.containers().length);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const rows: Array<[string, string]> = [
  ["runtime", `${typeof process !== "undefined" ? `node ${process.version}` : "?"}`],
  [`reducer: ${EVENTS} events on ${TRACKED} containers (median of ${ROUNDS})`, `${reducer.ms.toFixed(0)} ms = ${Math.round(eventsPerSecond).toLocaleString("en")} events/s (goal ≥ 200,000)`],
  ["baseline: same fold into a mutable Map", `${baseline.ms.toFixed(0)} ms (reducer/baseline = ${(reducer.ms / baseline.ms).toFixed(1)}×)`],
  ["memory per 1,000 containers (5 labels), in a portfolio", (typeof (globalThis as { gc?: unknown }).gc === "function") ? `${mb(inPortfolio / (TRACKED / 1000))} MB (goal ≤ 1.5 MB)` : "run with --expose-gc"],
  ["memory per 1,000 bare containers (baseline)", `${mb(bare / (TRACKED / 1000))} MB (portfolio/bare = ${(inPortfolio / bare).toFixed(2)}×)`],
  [`snapshot (clone) at ${TRACKED}`, `${((snapshot.ms * 1e6) / SNAPSHOTS).toFixed(0)} ns each`],
  [`container lookup by name at ${TRACKED}`, `${((containerLookup.ms * 1e6) / LOOKUPS).toFixed(0)} ns each (Map baseline ${((mapLookup.ms * 1e6) / LOOKUPS).toFixed(0)} ns)`],
  [`project lookup at ${TRACKED}`, `${((projectLookup.ms * 1e6) / LOOKUPS).toFixed(0)} ns each`],
  [`containers() of one project (${projectContainers.result} of ${TRACKED})`, `${(projectContainers.ms * 1000).toFixed(0)} µs`],
];
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
