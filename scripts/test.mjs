#!/usr/bin/env node
// The one test command (`npm test`): works on a fresh clone of a fresh machine.
//
//   1. installs npm dependencies when node_modules is missing or stale (npm ci / npm install);
//   2. starts private engines (scripts/engines.mjs start, which apt-installs what is missing) into a fresh
//      /tmp/ww-e-* directory, and always stops them again (also on failure, SIGINT and SIGTERM);
//   3. type-checks (tsc -p tsconfig.json) and checks generated protobuf code (scripts/gen-proto.mjs --check);
//   4. runs every tests/**/*.test.ts on Node 22, 24 and 26 (`node --test`, which strips the types itself; Node
//      22 through tsx for `await using`; each line fetched from npm, see engines/node-lines.mjs), Deno (deno test -A) and Bun (bun test), one after
//      the other, with the engines' WW_TEST_* env vars;
//   5. prints a per-runtime table, a per-runtime table of the tests that ran against each engine, and a last
//      line `N passed, N failed, N skipped`; exits non-zero when a check failed, a runtime had failures,
//      crashed, or ran no tests — and, on CI (`CI` set) or as root (where it installs and starts the engines
//      itself), when an install failed, an engine did not start or any engine suite skipped, naming the
//      engine and the reason. Elsewhere (no root, no CI) engine suites skip loudly and the run still passes.
//      Runtime-specific skips (Deno-only tests on Node, …) never fail it: only skips that went through
//      tests/support/engines.ts's lookups count as engine skips.
//
// Development options: --runtime node22|node24|node26|node|deno|bun (repeatable or comma-separated; `node` is
// all three Node lines), --filter SUBSTRING (of test
// file paths), --no-engines (use engines already running, as given by WW_TEST_* in the environment, e.g. after
// `eval "$(node scripts/engines.mjs start)"`; without them the engine suites skip). Plain Node ESM without dependencies: it runs before `npm ci`.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installDeps } from "./engines/npm-deps.mjs";
import { NODE_LINES, nodeLine, pathWith, testConcurrency, typeScriptFlags } from "./engines/node-lines.mjs";
import { alive } from "./engines/util.mjs";
import { parseBun, parseDenoTap, parseNodeTap } from "./engines/test-reports.mjs";
import {
  ENGINE_VARS,
  ENGINES,
  failedTests,
  foldEngines,
  leafResultsBun,
  leafResultsDeno,
  leafResultsNode,
  parseEngineLog,
  strictEngines,
} from "./engines/engine-report.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const NODE_RUNTIMES = Object.keys(NODE_LINES).map((major) => `node${major}`);
const RUNTIMES = [...NODE_RUNTIMES, "deno", "bun"];
/** `--runtime` names that stand for several runtimes. */
const ALIASES = { node: NODE_RUNTIMES };
/** Test files a Node line runs at once: WW_TEST_NODE_CONCURRENCY, else per line (engines/node-lines.mjs). */
const nodeConcurrency = (major) => Number(process.env.WW_TEST_NODE_CONCURRENCY ?? testConcurrency(major));
/**
 * Deno runs its test files one after another; the runner starts this many `deno test` processes over shares
 * of the files (WW_TEST_DENO_SHARDS). Deno's own --parallel would do it, but its TAP output then no longer
 * says which file a test came from, which the engine table needs. Bun's --parallel keeps its per-file output
 * (WW_TEST_BUN_WORKERS). Many tests wait on engines and children, so 3 keep 2 cores busy, as Node's 4 do.
 */
const DENO_SHARDS = Number(process.env.WW_TEST_DENO_SHARDS ?? 3);
const BUN_WORKERS = Number(process.env.WW_TEST_BUN_WORKERS ?? 3);
/** One runner may take this long before it is killed and counted as crashed (whole run must stay < 20 min). */
const RUNNER_TIMEOUT_MS = Number(process.env.WW_TEST_RUNNER_TIMEOUT_S ?? 600) * 1000;
/** Engine directories (`/tmp/ww-e-<runner pid>-XXXXXX`) are short: socket paths below them must stay under 108 bytes. */
const ENGINES_PREFIX = "/tmp/ww-e-";

function say(msg) {
  process.stderr.write(`[test] ${msg}\n`);
}

function parseArgs(argv) {
  const opts = { runtimes: [], filter: "", engines: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? "";
    if (flag === "--runtime") opts.runtimes.push(...value().split(",").filter(Boolean).flatMap((r) => ALIASES[r] ?? [r]));
    else if (flag === "--filter") opts.filter = value();
    else if (flag === "--no-engines") opts.engines = false;
    else throw new Error(`unknown argument ${argv[i]} (use --runtime R, --filter S, --no-engines)`);
  }
  for (const r of opts.runtimes) if (!RUNTIMES.includes(r)) throw new Error(`unknown runtime ${r} (use ${RUNTIMES.join(", ")} or node)`);
  opts.runtimes = opts.runtimes.length === 0 ? [...RUNTIMES] : [...new Set(opts.runtimes)];
  return opts;
}

/** tests/**\/*.test.ts relative to ROOT, sorted, narrowed by a path substring. */
function testFiles(filter) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(p);
      else if (entry.isFile() && entry.name.endsWith(".test.ts")) found.push(path.relative(ROOT, p));
    }
  };
  if (fs.existsSync(path.join(ROOT, "tests"))) walk(path.join(ROOT, "tests"));
  return found.sort().filter((f) => f.includes(filter));
}

// ---- child processes: each in its own process group so it can be killed with all its children

const running = new Set();

/**
 * Runs a command, echoing its output, and resolves {code, output, timedOut}. With `echo: "at-end"` the
 * output is printed when the command has ended, in one piece (commands that run side by side).
 */
function runEchoed(cmd, args, { env = process.env, timeoutMs = RUNNER_TIMEOUT_MS, echo = "live" } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    running.add(child);
    let output = "";
    let timedOut = false;
    child.stdout.on("data", (c) => {
      output += c;
      if (echo === "live") process.stdout.write(c);
    });
    child.stderr.on("data", (c) => {
      output += c;
      if (echo === "live") process.stderr.write(c);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      say(`${path.basename(cmd)} exceeded ${timeoutMs / 1000}s, killing it`);
      killGroup(child, "SIGKILL");
    }, timeoutMs);
    const done = (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (echo !== "live") process.stdout.write(output);
      resolve({ code, output, timedOut });
    };
    child.on("error", (e) => {
      output += String(e);
      done(127);
    });
    child.on("close", (code, sig) => done(code ?? (sig ? 128 : 1)));
  });
}

function killGroup(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

// ---- engines

let enginesDir;

function stopEngines() {
  if (!enginesDir) return;
  const dir = enginesDir;
  enginesDir = undefined;
  say(`stopping engines in ${dir}`);
  spawnSync(process.execPath, [path.join(ROOT, "scripts/engines.mjs"), "stop", "--dir", dir], { stdio: "inherit" });
}

/** Stops engines left behind by earlier runs that were killed (the runner pid in the directory name is gone). */
function stopOrphanedEngines() {
  for (const name of fs.readdirSync("/tmp")) {
    const dir = path.join("/tmp", name);
    const owner = dir.startsWith(ENGINES_PREFIX) ? Number(name.slice(path.basename(ENGINES_PREFIX).length).split("-")[0]) : 0;
    if (!(owner > 0) || owner === process.pid || alive(owner)) continue;
    say(`stopping engines left by an earlier run in ${dir}`);
    spawnSync(process.execPath, [path.join(ROOT, "scripts/engines.mjs"), "stop", "--dir", dir], { stdio: "inherit" });
  }
}

async function startEngines() {
  stopOrphanedEngines();
  enginesDir = fs.mkdtempSync(`${ENGINES_PREFIX}${process.pid}-`);
  const r = await runEchoed(process.execPath, [path.join(ROOT, "scripts/engines.mjs"), "start", "--dir", enginesDir], {
    timeoutMs: 15 * 60_000,
  });
  let env = {};
  try {
    env = JSON.parse(fs.readFileSync(path.join(enginesDir, "env.json"), "utf8"));
  } catch {
    // no env at all: every engine suite skips
  }
  const missing = ENGINES.filter((engine) => !env[ENGINE_VARS[engine]]);
  const note = missing.length === 0 ? ENGINES.join(", ") : `MISSING ${missing.join(", ")} (their tests skip)`;
  // on CI / as root a missing engine fails the run (folded in at the end, see engine-report.mjs)
  return { env, ok: r.code === 0 && (missing.length === 0 || !strictEngines().strict), note };
}

// ---- suites

function runnerCommand(runtime, files) {
  const tapFile = path.join(reportDir, `${runtime}.tap`);
  const filesFile = path.join(reportDir, `${runtime}.files.ndjson`);
  if (NODE_RUNTIMES.includes(runtime)) {
    const node = nodeLine(ROOT, runtime.slice("node".length));
    // spec for people, TAP into a file for the counts, per-file results for the engine table; `node` on PATH
    // (npm, npx, tsx's bin in the tests) is the same line
    return {
      cmd: node,
      path: path.dirname(node),
      args: [...typeScriptFlags(runtime.slice("node".length)), "--test", `--test-concurrency=${nodeConcurrency(runtime.slice("node".length))}`, "--test-reporter=spec", "--test-reporter-destination=stdout",
        "--test-reporter=tap", `--test-reporter-destination=${tapFile}`,
        `--test-reporter=${path.join(ROOT, "scripts/engines/node-reporter.mjs")}`, `--test-reporter-destination=${filesFile}`,
        ...files],
      parse: (output) => parseNodeTap(readOr(tapFile, output)),
      perFile: () => leafResultsNode(readOr(filesFile, ""), ROOT),
    };
  }
  switch (runtime) {
    case "deno":
      return {
        cmd: path.join(BIN, "deno"),
        args: ["test", "-A", "--reporter=tap", ...files],
        shards: DENO_SHARDS,
        parse: parseDenoTap,
        perFile: (output) => leafResultsDeno(output),
      };
    case "bun":
      // bun alone has a 5 s default per-test timeout; node and deno have none, so a loaded 2-core machine
      // would fail slow tests on bun only
      return {
        cmd: path.join(BIN, "bun"),
        args: ["test", "--timeout", "120000", `--parallel=${BUN_WORKERS}`, ...files.map((f) => `./${f}`)],
        parse: parseBun,
        perFile: (output) => leafResultsBun(output),
      };
  }
  throw new Error(runtime);
}

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

let reportDir;

/** Runner reports live in `/tmp/ww-test-reports-<runner pid>-XXXXXX` while it runs. */
const REPORTS_PREFIX = "/tmp/ww-test-reports-";

/** Removes report directories of runs that were killed before they could remove them. */
function removeOrphanedReports() {
  for (const name of fs.readdirSync("/tmp")) {
    const dir = path.join("/tmp", name);
    if (!dir.startsWith(REPORTS_PREFIX)) continue;
    const owner = Number(name.slice(path.basename(REPORTS_PREFIX).length).split("-")[0]);
    if (owner > 0 && owner !== process.pid && !alive(owner)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `cmd args` over `shards` shares of the files side by side (every shards-th file each, so that the
 * slow directories are spread), each printed when it ends; resolves as one run whose output is theirs in turn.
 */
async function runShards(cmd, args, files, shards, env) {
  const shares = Array.from({ length: shards }, (_, i) => files.filter((_, at) => at % shards === i)).filter((share) => share.length > 0);
  const runs = await Promise.all(shares.map((share) => runEchoed(cmd, [...args, ...share], { env, echo: "at-end" })));
  const failed = runs.find((run) => run.code !== 0);
  const outputs = runs.map((run) => run.output);
  return { code: failed?.code ?? 0, output: outputs.join("\n"), outputs, timedOut: runs.some((run) => run.timedOut) };
}

/** The sum of the shards' counts; undefined when one has none. */
function sumCounts(all) {
  if (all.some((c) => c === undefined)) return undefined;
  return all.reduce((sum, c) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed, skipped: sum.skipped + c.skipped }));
}

async function runSuite(runtime, files, env) {
  let command;
  try {
    command = runnerCommand(runtime, files);
  } catch (e) {
    return { counts: { passed: 0, failed: 0, skipped: 0 }, problem: `cannot start: ${e?.message ?? e}` };
  }
  const { cmd, args, parse, perFile } = command;
  if (command.path) env = pathWith(command.path, env);
  const engineLog = path.join(reportDir, `${runtime}.engines.ndjson`);
  say(`${runtime}: ${path.basename(cmd)} ${args.slice(0, args.length - files.length).join(" ")} <${files.length} files>`);
  const runEnv = { ...env, WW_TEST_ENGINE_LOG: engineLog };
  const r = command.shards > 1 ? await runShards(cmd, args.slice(0, args.length - files.length), files, command.shards, runEnv)
    : await runEchoed(cmd, args, { env: runEnv });
  // a shard that ended without its summary (it crashed) leaves the whole run without counts
  const counts = r.outputs ? sumCounts(r.outputs.map(parse)) : parse(r.output);
  const engines = { runtime, log: parseEngineLog(readOr(engineLog, "")), results: perFile(r.output) };
  let problem;
  if (r.timedOut) problem = `killed after ${RUNNER_TIMEOUT_MS / 1000}s`;
  else if (!counts) problem = `crashed (exit ${r.code}, no summary in its output)`;
  else if (counts.passed + counts.failed + counts.skipped === 0) problem = "ran 0 tests";
  else if (counts.failed > 0) problem = `${counts.failed} failed`;
  else if (r.code !== 0) problem = `crashed (exit ${r.code} with 0 failures)`;
  return { counts: counts ?? { passed: 0, failed: 0, skipped: 0 }, problem, engines };
}

// ---- main

const phases = [];

async function phase(name, fn) {
  const t0 = Date.now();
  say(`== ${name}`);
  let result;
  try {
    result = await fn();
  } catch (e) {
    result = { ok: false, note: String(e?.message ?? e) };
  }
  const seconds = (Date.now() - t0) / 1000;
  phases.push({ name, seconds, ...result });
  say(`== ${name}: ${result.ok ? "ok" : "FAILED"} ${result.note ?? ""} (${seconds.toFixed(1)}s)`);
  return result;
}

function printSummary(suites, engineReport) {
  const rows = [["phase", "seconds", "result"]];
  for (const p of phases) rows.push([p.name, p.seconds.toFixed(1), `${p.ok ? "ok" : "FAILED"} ${p.note ?? ""}`.trim()]);
  const table = (rs) => {
    const widths = rs[0].map((_, i) => Math.max(...rs.map((r) => String(r[i]).length)));
    return rs.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd()).join("\n");
  };
  const runtimeRows = [["runtime", "passed", "failed", "skipped", "result"]];
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const s of suites) {
    runtimeRows.push([s.runtime, s.counts.passed, s.counts.failed, s.counts.skipped, s.problem ? `FAILED: ${s.problem}` : "ok"]);
    for (const k of Object.keys(total)) total[k] += s.counts[k];
  }
  process.stdout.write(`\n${table(rows)}\n\n${table(runtimeRows)}\n\n`);
  if (engineReport) {
    // one row per runtime: tests (not skipped) in files that got each engine's endpoint, and skipped ones there
    const engineRows = [["runtime", ...ENGINES.map((e) => `${e} ran/skipped`)]];
    for (const s of suites) {
      const of = (e) => engineReport.rows.find((r) => r.runtime === s.runtime && r.engine === e);
      engineRows.push([s.runtime, ...ENGINES.map((e) => `${of(e)?.ran ?? 0}/${of(e)?.skipped ?? 0}`)]);
    }
    process.stdout.write(`tests against engines (${engineReport.mode}):\n${table(engineRows)}\n`);
    for (const p of engineReport.problems) process.stdout.write(`ENGINE FAILURE: ${p}\n`);
    for (const n of engineReport.notes) process.stdout.write(`engine skipped (allowed: ${engineReport.mode}): ${n}\n`);
    process.stdout.write("\n");
  }
  // named here, at the end, because a CI log is often read from its tail only
  const failures = failedTests(suites.map((s) => s.engines).filter(Boolean));
  if (failures.length > 0) process.stdout.write(`failed tests:\n${failures.map((f) => `  ${f}`).join("\n")}\n\n`);
  process.stdout.write(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
}

function onSignal(sig) {
  say(`${sig}: stopping`);
  for (const child of running) killGroup(child, "SIGKILL");
  stopEngines();
  if (reportDir) fs.rmSync(reportDir, { recursive: true, force: true });
  process.exit(sig === "SIGINT" ? 130 : 143);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  process.on("exit", stopEngines);
  removeOrphanedReports();
  reportDir = fs.mkdtempSync(`${REPORTS_PREFIX}${process.pid}-`);
  const suites = [];
  let failed = false;
  const strict = strictEngines({ startsEngines: opts.engines });
  say(`engine skips ${strict.strict ? "FAIL the run" : "are allowed"} (${strict.why})`);
  let engineEnv = {};
  try {
    const deps = await phase("npm dependencies", () => {
      const err = installDeps(ROOT);
      return { ok: err === undefined, note: err };
    });
    if (!deps.ok) throw new Error("cannot run tests without npm dependencies");

    let env = { ...process.env, NO_COLOR: "1" };
    if (opts.engines) {
      for (const k of Object.keys(env)) if (k.startsWith("WW_TEST_")) delete env[k];
      const engines = await phase("engines", startEngines);
      env = { ...env, ...engines.env };
      engineEnv = engines.env;
    } else {
      say("--no-engines: engine suites use the WW_TEST_* variables of this shell, if any, else skip");
      engineEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("WW_TEST_")));
    }

    const typecheck = await phase("typecheck", async () => {
      const r = await runEchoed(path.join(BIN, "tsc"), ["-p", "tsconfig.json"]);
      return { ok: r.code === 0, note: r.code === 0 ? "" : "type errors" };
    });
    failed ||= !typecheck.ok;
    if (fs.existsSync(path.join(ROOT, "scripts/gen-proto.mjs"))) {
      const proto = await phase("generated code", async () => {
        const r = await runEchoed(process.execPath, [path.join(ROOT, "scripts/gen-proto.mjs"), "--check"]);
        return { ok: r.code === 0, note: r.code === 0 ? "" : "stale (run node scripts/gen-proto.mjs)" };
      });
      failed ||= !proto.ok;
    }

    const files = testFiles(opts.filter);
    if (files.length === 0) throw new Error(`no test files under tests/ match "${opts.filter}"`);
    for (const runtime of opts.runtimes) {
      let suite;
      await phase(`tests on ${runtime}`, async () => {
        suite = { runtime, ...(await runSuite(runtime, files, env)) };
        return { ok: !suite.problem, note: suite.problem ?? `${suite.counts.passed} passed, ${suite.counts.skipped} skipped` };
      });
      suites.push(suite);
      failed ||= Boolean(suite.problem);
    }
  } catch (e) {
    say(`ERROR: ${e?.message ?? e}`);
    failed = true;
  } finally {
    const t0 = Date.now();
    if (enginesDir) {
      stopEngines();
      phases.push({ name: "engines stop", seconds: (Date.now() - t0) / 1000, ok: true });
    }
    fs.rmSync(reportDir, { recursive: true, force: true });
  }
  const folded = foldEngines({
    strict: strict.strict,
    started: opts.engines,
    env: engineEnv,
    runtimes: suites.map((s) => s.engines).filter(Boolean),
  });
  const engineReport = { ...folded, mode: strict.strict ? `strict: ${strict.why}` : strict.why };
  failed ||= folded.problems.length > 0;
  printSummary(suites, engineReport);
  return failed ? 1 : 0;
}

process.exitCode = await main();
