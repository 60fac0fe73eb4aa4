/* @ts-self-types="./engine-report.d.mts" */
// Which tests ran against which engine, and whether a run may pass with engine suites skipped.
//
// The pieces, all pure (tests/support/engine-report.test.ts tests them):
//   strictEngines     CI, or root with engines started by the runner: engine skips fail the run;
//   leafResults       per test file, the pass/fail/skip counts of its leaf tests, from each runner's output
//                     (Node: the NDJSON of scripts/engines/node-reporter.mjs; Deno: TAP `# ./file` sections;
//                     Bun: `file:` headers over `(pass)`/`(fail)`/`(skip)` lines);
//   foldEngines       folds the engine start report (env.json), the install problems and each runtime's engine
//                     log (lines written by tests/support/engines.ts on every lookup) into per-runtime,
//                     per-engine counts and the list of problems that fail a strict run.

/** The engines the runner starts, in report order. */
export const ENGINES = ["docker", "podman", "containerd", "cri"];

/** env.json key of each engine's endpoint. */
export const ENGINE_VARS = { docker: "WW_TEST_DOCKER_HOST", podman: "WW_TEST_PODMAN_HOST", containerd: "WW_TEST_CONTAINERD", cri: "WW_TEST_CRI" };

/**
 * Whether engine skips fail the run, and why: when `CI` is set (to anything but "", "0" or "false"), or as
 * root when the runner starts the engines itself (it can install and start them, so a skip is a fault).
 * With `--no-engines` as root (a developer using engines of their shell) skips stay allowed.
 */
export function strictEngines({ env = process.env, uid = process.getuid?.(), startsEngines = true } = {}) {
  const ci = env.CI;
  if (ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false") return { strict: true, why: `CI=${ci}` };
  if (uid === 0 && startsEngines) return { strict: true, why: "running as root" };
  return { strict: false, why: uid === 0 ? "--no-engines" : "not root and not CI" };
}

/** A multi-line reason on one line (a start error's first line is often only "Log tail (…):"). */
function oneLine(text, max = 400) {
  const line = String(text).split("\n").map((l) => l.trim()).filter(Boolean).join(" | ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Counts a leaf test of `file`; a failed one's name is kept for the run's summary. */
function bump(map, file, status, name) {
  const c = map.get(file) ?? { passed: 0, failed: 0, skipped: 0, failedNames: [] };
  c[status]++;
  if (status === "failed") c.failedNames.push(name ?? "(unnamed)");
  map.set(file, c);
}

/** Node: lines `{"file": "...", "status": "passed"|"failed"|"skipped"}` from scripts/engines/node-reporter.mjs. */
export function leafResultsNode(text, root = "") {
  const map = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof r.file !== "string" || !["passed", "failed", "skipped"].includes(r.status)) continue;
    bump(map, relative(r.file, root), r.status, r.name);
  }
  return map;
}

/** Deno TAP: a `# ./tests/x.test.ts` comment at column 0 opens a file's section; leaf results as in parseDenoTap. */
export function leafResultsDeno(text) {
  const map = new Map();
  let file;
  let lastPlanIndent = -1;
  let inYaml = false;
  for (const line of text.split("\n")) {
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (inYaml) {
      if (body === "...") inYaml = false;
      continue;
    }
    if (body === "---") {
      inYaml = true;
      continue;
    }
    const header = indent === 0 && line.match(/^# \.\/(\S+\.test\.ts)$/);
    if (header) {
      file = header[1];
      continue;
    }
    if (/^1\.\.\d+$/.test(body)) {
      lastPlanIndent = indent;
      continue;
    }
    const result = body.match(/^(not ok|ok) \d+( - .*)?$/);
    if (!result) continue;
    const isParent = lastPlanIndent > indent;
    lastPlanIndent = -1;
    if (isParent || file === undefined) continue;
    bump(map, file, result[1] === "not ok" ? "failed" : /# (SKIP|TODO)\b/i.test(body) ? "skipped" : "passed", result[2]?.slice(3));
  }
  return map;
}

/** Bun: `tests/x.test.ts:` headers, then `(pass) …`, `(fail) …`, `(skip) …`, `(todo) …` lines. */
export function leafResultsBun(text) {
  const map = new Map();
  let file;
  for (const line of text.split("\n")) {
    const header = line.match(/^(\S+\.test\.ts):$/);
    if (header) {
      file = header[1].replace(/^\.\//, "");
      continue;
    }
    // bun repeats the skipped and failed tests in lists at the end ("3 tests skipped:"): no file's own
    if (/^\d+ tests? (skipped|failed|todo):$/.test(line)) file = undefined;
    const r = line.match(/^\((pass|fail|skip|todo)\) (.*?)( \[[\d.]+m?s\])?$/);
    if (!r || file === undefined) continue;
    bump(map, file, r[1] === "pass" ? "passed" : r[1] === "fail" ? "failed" : "skipped", r[2]);
  }
  return map;
}

function relative(file, root) {
  const f = file.startsWith("file://") ? decodeURI(new URL(file).pathname) : file;
  return root && f.startsWith(root) ? f.slice(root.length).replace(/^\//, "") : f;
}

/** The engine log's lines (`{engine, file, endpoint?, skip?}`); unreadable lines are ignored. */
export function parseEngineLog(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line);
      if (ENGINES.includes(r.engine)) out.push(r);
    } catch {
      // a half-written line of a killed test process
    }
  }
  return out;
}

/**
 * Folds what is known about the engines into a report.
 *
 * - `strict`: whether skips are failures (see {@link strictEngines});
 * - `started`: whether the runner started engines (false with --no-engines: then the shell's WW_TEST_* count);
 * - `env`: the engines' env.json (or the shell's WW_TEST_* variables), incl. WW_TEST_ENGINE_ERRORS and
 *   WW_TEST_INSTALL_PROBLEMS;
 * - `runtimes`: `[{runtime, log: parsed engine log lines, results: Map file → counts}]`.
 *
 * Returns `{rows: [{runtime, engine, files, ran, skipped}], problems: ["docker: …"], notes: [...]}`:
 * `ran` counts the tests that did not skip in files that got the engine's endpoint, `skipped` the tests
 * that skipped there; `problems` (only when strict) name the engine and the reason.
 */
export function foldEngines({ strict, started = true, env = {}, runtimes = [] }) {
  const problems = [];
  const notes = [];
  const issue = (msg) => (strict ? problems : notes).push(msg);
  let errors = {};
  try {
    errors = JSON.parse(env.WW_TEST_ENGINE_ERRORS || "{}");
  } catch {
    errors = { engines: `unreadable WW_TEST_ENGINE_ERRORS: ${env.WW_TEST_ENGINE_ERRORS}` };
  }
  let install = [];
  try {
    install = JSON.parse(env.WW_TEST_INSTALL_PROBLEMS || "[]");
  } catch {
    install = [String(env.WW_TEST_INSTALL_PROBLEMS)];
  }
  for (const p of install) issue(`install: ${p}`);
  for (const engine of ENGINES) {
    if (!env[ENGINE_VARS[engine]] && (started || errors[engine])) {
      issue(`${engine}: did not start: ${oneLine(errors[engine] ?? "no endpoint in the engines' env.json")}`);
    }
  }
  for (const [name, why] of Object.entries(errors)) {
    if (!ENGINES.includes(name)) issue(`${name}: ${oneLine(why)}`);
  }
  const rows = [];
  for (const { runtime, log = [], results = new Map() } of runtimes) {
    for (const engine of ENGINES) {
      const used = new Set();
      const skips = new Map();
      for (const r of log) {
        if (r.engine !== engine) continue;
        if (r.skip) skips.set(r.file ?? "?", r.skip);
        else if (r.endpoint) used.add(r.file ?? "?");
      }
      let ran = 0;
      let skipped = 0;
      for (const file of used) {
        const c = results.get(file);
        if (!c) continue;
        ran += c.passed + c.failed;
        skipped += c.skipped;
      }
      for (const file of skips.keys()) skipped += results.get(file)?.skipped ?? 0;
      rows.push({ runtime, engine, files: used.size, ran, skipped });
      for (const [file, why] of skips) issue(`${engine} (${runtime}): ${file} skipped: ${why}`);
    }
  }
  return { rows, problems, notes };
}

/** `runtime file > test` for every failed leaf test of the runtimes' per-file results, in run order. */
export function failedTests(runtimes) {
  return runtimes.flatMap(({ runtime, results }) =>
    [...results].flatMap(([file, c]) => (c.failedNames ?? []).map((name) => `${runtime}  ${file} > ${name}`))
  );
}
