/**
 * Cold start of the CLI, whole process: `--help` and `--version` next to the
 * bare runtime starting (`node -e 0`, `deno eval 0`, `bun -e 0`), and
 * `--json` against a dockerd with 100 alive containers next to the Docker
 * CLI's `docker inspect $(docker ps -q)`, measured interleaved in one run
 * (each round starts every command once, so load on the machine hits them
 * alike); medians of wall time and of peak memory (GNU time's maximum
 * resident set), and each median's ratio to its baseline's. Goals (issue
 * 15): `--help`/`--version` ≤ 1.2× the bare runtime; `--json` ≤ 1.5× the
 * Docker CLI, at most 60 MiB on Node, 50 MiB on Deno and Bun.
 *
 * Ratios are medians of the per-round ratios (each round's time over its
 * baseline's in the same round), so that load landing on one round hits
 * both sides of its ratio.
 *
 * The floors of Node's `--json` beside it: a bare Node process that loads
 * undici's `Agent` and `request` (from their own files, as the adapter does)
 * and makes the same list and 100 inspects, concurrency 8, bodies read as
 * bytes, nothing decoded: what any CLI built on undici pays on that Node;
 * and the same requests with Node's built-in `node:http`, for comparison.
 *
 * Runtimes: the one running this file, every Node line the test command has
 * fetched (node_modules/.cache/whalewatcher/node-*), and Deno and Bun from
 * node_modules/.bin. Node runs the built npm bin (dist/cli/bin.js, `npm run
 * build` first); Deno and Bun run the CLI entry cli/bin.ts, as users of a
 * clone do; the standalone binaries (build/bun/whalewatcher,
 * build/deno/whalewatcher, `npm run compile:bun` / `compile:deno`) where
 * they exist, with their size.
 *
 * The `--json` rows need a dockerd: WW_TEST_DOCKER_HOST (the private engines)
 * or DOCKER_HOST; the bench starts containers labelled `ww-cold-start` until
 * 100 are alive and removes those afterwards.
 *
 * Run: node bench/cold-start.bench.ts [ROUNDS]   (Node ≥ 24; default 9 rounds)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, perRoundRatios } from "./support/stats.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 9);
const DOCKER_HOST = process.env.WW_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST;
const ALIVE = 100;
const LABEL = "ww-cold-start";
const IMAGE = process.env.WW_TEST_IMAGE ?? "ww-busybox:latest";

/** One thing to start: a label, the command line, and the label of the bare start it is compared with. */
interface Subject {
  readonly label: string;
  readonly argv: readonly string[];
  readonly baseline: string;
}

function nodeBinaries(): Array<[string, string]> {
  const found = new Map<string, string>([[`node ${process.version}`, process.execPath]]);
  const cache = join(ROOT, "node_modules", ".cache", "whalewatcher");
  if (existsSync(cache)) {
    for (const dir of readdirSync(cache).sort()) {
      const binary = join(cache, dir, "package", "bin", "node");
      if (dir.startsWith("node-") && existsSync(binary)) found.set(`node v${dir.slice("node-".length)}`, binary);
    }
  }
  return [...found];
}

// The floors (CommonJS for `node -e` on every Node line): a GET whole as bytes, then list and the inspects
// 8 at a time. With undici's parts (what the adapter loads), and with Node's built-in node:http for comparison.
const SYNC = `
const socketPath = new URL(process.argv[1]).pathname;
(async () => {
  const list = JSON.parse(new TextDecoder().decode(await get("/containers/json")));
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < list.length) await get("/containers/" + list[next++].Id + "/json"); }));
  close();
})();`;
const UNDICI_FLOOR = `
const Agent = require("undici/lib/dispatcher/agent.js");
const request = require("undici/lib/api/api-request.js");
let dispatcher;
const get = async (path) => {
  dispatcher ??= new Agent({ connect: { socketPath } });
  return new Uint8Array(await (await request.call(dispatcher, { origin: "http://localhost", path, method: "GET" })).body.arrayBuffer());
};
const close = () => dispatcher.destroy();
${SYNC}`;
const HTTP_FLOOR = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const get = (path) => new Promise((resolve, reject) => http.get({ socketPath, path, agent }, (res) => {
  const chunks = [];
  res.on("data", (chunk) => chunks.push(chunk)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
}).on("error", reject));
const close = () => agent.destroy();
${SYNC}`;

function subjects(): Subject[] {
  const list: Subject[] = [];
  const dockerCli = "docker CLI: docker inspect $(docker ps -q)";
  if (DOCKER_HOST !== undefined) list.push({ label: dockerCli, argv: ["sh", "-c", "docker inspect $(docker ps -q)"], baseline: dockerCli });
  const json = DOCKER_HOST !== undefined ? ["--json", "--engine", "docker", "--docker-host", DOCKER_HOST] : undefined;
  const add = (runtime: string, bare: readonly string[] | undefined, program: Array<[string, readonly string[]]>): void => {
    if (bare !== undefined) list.push({ label: `${runtime}: bare`, argv: bare, baseline: `${runtime}: bare` });
    for (const [how, argv] of program) {
      for (const flag of ["--help", "--version"]) {
        list.push({ label: `${runtime}: ${how} ${flag}`, argv: [...argv, flag], baseline: bare ? `${runtime}: bare` : dockerCli });
      }
      if (json) list.push({ label: `${runtime}: ${how} --json`, argv: [...argv, ...json], baseline: dockerCli });
    }
  };
  const dist = join(ROOT, "dist", "cli", "bin.js");
  for (const [name, node] of nodeBinaries()) {
    add(name, [node, "-e", "0"], existsSync(dist) ? [["dist/cli/bin.js", [node, dist]]] : []);
    if (DOCKER_HOST?.startsWith("unix://")) {
      list.push({ label: `${name}: floor, undici list + inspects`, argv: [node, "-e", UNDICI_FLOOR, DOCKER_HOST], baseline: dockerCli });
      list.push({ label: `${name}: floor, node:http list + inspects`, argv: [node, "-e", HTTP_FLOOR, DOCKER_HOST], baseline: dockerCli });
    }
  }
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  if (existsSync(deno)) add("deno", [deno, "eval", "0"], [["cli/bin.ts", [deno, "run", "-A", join(ROOT, "cli", "bin.ts")]]]);
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  if (existsSync(bun)) add("bun", [bun, "-e", "0"], [["cli/bin.ts", [bun, join(ROOT, "cli", "bin.ts")]]]);
  for (const kind of ["bun", "deno"]) {
    const binary = join(ROOT, "build", kind, "whalewatcher");
    if (existsSync(binary)) {
      console.log(`standalone ${kind} binary: ${(statSync(binary).size / 2 ** 20).toFixed(1)} MiB`);
      add(`${kind} standalone`, undefined, [["build/" + kind + "/whalewatcher", [binary]]]);
    }
  }
  return list;
}

/** One whole process under GNU time: wall time in ms and peak resident memory in MiB; throws when it fails. */
function time(argv: readonly string[]): { ms: number; mib: number } {
  const start = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "%M", ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...(DOCKER_HOST !== undefined ? { DOCKER_HOST } : {}) },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
  return { ms, mib: Number(result.stderr.trim().split("\n").pop()) / 1024 };
}

function docker(...args: string[]): string {
  const result = spawnSync("docker", args, { env: { ...process.env, DOCKER_HOST }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`docker ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Starts labelled containers until ALIVE are alive; returns their ids. */
function fillUp(): string[] {
  const alive = docker("ps", "-q").split("\n").filter(Boolean).length;
  const started: string[] = [];
  for (let i = alive; i < ALIVE; i++) started.push(docker("run", "-d", "--network", "none", "--label", LABEL, IMAGE, "sleep", "3600"));
  return started;
}

const started = DOCKER_HOST !== undefined ? fillUp() : [];
try {
  const all = subjects();
  const samples = new Map<string, Array<{ ms: number; mib: number }>>(all.map((s) => [s.label, []]));
  for (const s of all) time(s.argv); // warm the file system cache and any compile caches once
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of all) samples.get(s.label)!.push(time(s.argv));
  }
  const rows = [["command", "median", "× baseline", "peak memory", "goal"]];
  for (const s of all) {
    const ms = median(samples.get(s.label)!.map((x) => x.ms));
    const mib = median(samples.get(s.label)!.map((x) => x.mib));
    const ratio = median(perRoundRatios(samples.get(s.label)!.map((x) => x.ms), samples.get(s.baseline)!.map((x) => x.ms)));
    const isBaseline = s.label === s.baseline;
    const isJson = s.label.endsWith("--json");
    const limit = isJson ? 1.5 : 1.2;
    const memoryLimit = s.label.startsWith("node") ? 60 : 50;
    const goal = isBaseline ? "" : isJson
      ? `≤ 1.5× ${ratio <= limit ? "met" : "missed"}, ≤ ${memoryLimit} MiB ${mib <= memoryLimit ? "met" : "missed"}`
      : s.baseline.startsWith("docker") ? "" : `≤ 1.2× ${ratio <= limit ? "met" : "missed"}`;
    rows.push([s.label, `${ms.toFixed(0)} ms`, isBaseline ? "" : `${ratio.toFixed(2)}×`, `${mib.toFixed(1)} MiB`, goal]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`cold start, whole process, median of ${ROUNDS} interleaved rounds (× baseline: median of per-round ratios)` +
    (DOCKER_HOST !== undefined ? `, ${ALIVE} alive containers on ${DOCKER_HOST}` : " (no dockerd: no --json rows)"));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
} finally {
  if (started.length > 0) docker("rm", "-f", ...started);
}
