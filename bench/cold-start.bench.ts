/**
 * Cold start of the CLI, whole process: `--help` and `--version` next to the
 * bare runtime starting (`node -e 0`, `deno eval 0`, `bun -e 0`), measured
 * interleaved in one run (each round starts every command once, so load on
 * the machine hits them alike); medians and their ratio to the bare start.
 * Goal (issue 15): ≤ 1.2× the bare runtime.
 *
 * Runtimes: the one running this file, every Node line the test command has
 * fetched (node_modules/.cache/whalewatcher/node-*), and Deno and Bun from
 * node_modules/.bin. Node runs the built npm bin (dist/cli/bin.js, `npm run
 * build` first) where it exists, and cli/bin.ts (type stripping, Node 24+);
 * Deno and Bun run mod.ts as a program, as users do.
 *
 * Run: node bench/cold-start.bench.ts [ROUNDS]   (Node ≥ 24; default 15 rounds)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 15);

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

function subjects(): Subject[] {
  const list: Subject[] = [];
  const add = (runtime: string, bare: readonly string[], program: Array<[string, readonly string[]]>): void => {
    list.push({ label: `${runtime}: bare`, argv: bare, baseline: `${runtime}: bare` });
    for (const [how, argv] of program) {
      for (const flag of ["--help", "--version"]) {
        list.push({ label: `${runtime}: ${how} ${flag}`, argv: [...argv, flag], baseline: `${runtime}: bare` });
      }
    }
  };
  const dist = join(ROOT, "dist", "cli", "bin.js");
  for (const [name, node] of nodeBinaries()) {
    const major = Number(name.replace(/^node v/, "").split(".")[0]);
    const program: Array<[string, readonly string[]]> = [];
    if (existsSync(dist)) program.push(["dist/cli/bin.js", [node, dist]]);
    if (major >= 24) program.push(["cli/bin.ts", [node, join(ROOT, "cli", "bin.ts")]]);
    add(name, [node, "-e", "0"], program);
  }
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  if (existsSync(deno)) add("deno", [deno, "eval", "0"], [["mod.ts", [deno, "run", "-A", join(ROOT, "mod.ts")]]]);
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  if (existsSync(bun)) add("bun", [bun, "-e", "0"], [["mod.ts", [bun, join(ROOT, "mod.ts")]]]);
  return list;
}

/** Wall time of one whole process, in ms; throws when it fails. */
function time(argv: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const all = subjects();
const samples = new Map<string, number[]>(all.map((s) => [s.label, []]));
for (const s of all) time(s.argv); // warm the file system cache and any compile caches once
for (let round = 0; round < ROUNDS; round++) {
  for (const s of all) samples.get(s.label)!.push(time(s.argv));
}

const rows = [["command", "median", "× bare", "goal ≤ 1.2×"]];
for (const s of all) {
  const ms = median(samples.get(s.label)!);
  const ratio = ms / median(samples.get(s.baseline)!);
  const isBare = s.label === s.baseline;
  rows.push([s.label, `${ms.toFixed(0)} ms`, isBare ? "" : `${ratio.toFixed(2)}×`, isBare ? "" : ratio <= 1.2 ? "met" : "missed"]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(`cold start, whole process, median of ${ROUNDS} interleaved rounds`);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
