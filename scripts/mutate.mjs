#!/usr/bin/env node
/**
 * `npm run mutate [target...] [-- stryker flags]`: StrykerJS mutation testing of the core (not part of
 * `npm test`: it runs the core tests once per mutant). Each target mutates some lib/ files and runs only the
 * core tests that cover them, so that a mutant costs seconds. StrykerJS needs Node ≥ 22: it runs on a Node
 * that package.json `engines` allows (this one, else one fetched from npm: engines/node-lines.mjs), which is
 * also first on the PATH of the test command. StrykerJS itself is installed once, pinned, under
 * node_modules/.cache (kept out of the project's dependencies, like the fetched Node). Flags after the
 * targets go to StrykerJS, e.g. `npm run mutate reducer -- --mutate lib/reducer.ts:150-200 --concurrency 1`
 * while iterating. Reports: reports/mutation/<target>.html|json, and on stdout the score per file with its
 * surviving mutants.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pathWith, supportedNode } from "./engines/node-lines.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const STRYKER = "@stryker-mutator/core@10.1.1";
const CACHE = join(ROOT, "node_modules", ".cache", "whalewatcher", "stryker");

/** What each target mutates and which core tests cover it. */
export const TARGETS = {
  reducer: {
    mutate: ["lib/reducer.ts"],
    tests: ["tests/core/reducer.test.ts", "tests/core/reducer.property.test.ts", "tests/core/watcher.property.test.ts"],
  },
  model: {
    mutate: ["lib/model/**/*.ts"],
    tests: ["tests/core/portfolio.test.ts", "tests/core/pmap.test.ts", "tests/core/details.test.ts", "tests/core/reducer.test.ts"],
  },
  // the persistent map alone, against its own tests (the model target covers it too, slower per mutant)
  pmap: { mutate: ["lib/model/pmap.ts"], tests: ["tests/core/pmap.test.ts"] },
  fanout: { mutate: ["lib/fanout.ts"], tests: ["tests/core/fanout.test.ts"] },
  "ordered-inputs": {
    mutate: ["lib/ordered-inputs.ts"],
    tests: ["tests/core/ordered-inputs.test.ts", "tests/core/watcher.test.ts"],
  },
  backoff: { mutate: ["lib/backoff.ts"], tests: ["tests/core/backoff.test.ts"] },
};

function stryker() {
  const bin = join(CACHE, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, "package.json"), '{ "private": true }\n');
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", STRYKER], { cwd: CACHE, stdio: "inherit" });
  return bin;
}

/**
 * Score per file from a mutation-testing-report-schema JSON: killed (by a failing test) and timed out
 * (a test hung until StrykerJS gave up) both count as detected, as in StrykerJS's own score.
 */
export function fileScores(report) {
  return Object.entries(report.files).map(([file, { source, mutants }]) => {
    const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
    const killed = count("Killed");
    const timedOut = count("Timeout");
    const survivors = mutants.filter((mutant) => mutant.status === "Survived" || mutant.status === "NoCoverage");
    const valid = killed + timedOut + survivors.length;
    const lines = source.split("\n");
    return {
      file,
      score: valid === 0 ? 100 : (100 * (killed + timedOut)) / valid,
      killed,
      timedOut,
      survivors: survivors.map(({ mutatorName, location, replacement }) => {
        const original = lines[location.start.line - 1]?.trim() ?? "";
        return `${file}:${location.start.line}:${location.start.column} ${mutatorName}: ${original} -> ${replacement ?? ""}`;
      }),
    };
  });
}

const args = process.argv.slice(2);
const firstFlag = args.findIndex((arg) => arg.startsWith("-"));
const names = firstFlag === -1 ? args : args.slice(0, firstFlag);
const strykerFlags = firstFlag === -1 ? [] : args.slice(firstFlag).filter((arg) => arg !== "--");
for (const name of names) if (!(name in TARGETS)) throw new Error(`unknown target ${name}; targets: ${Object.keys(TARGETS)}`);
const nodeBinary = supportedNode(ROOT);
const env = { ...pathWith(dirname(nodeBinary)), WW_PROPERTY_RUNS: "150", WW_PROPERTY_SHRINK: "0", WW_WAIT_MS: "2000" };
const strykerBin = stryker();
let failed = false;
const summary = [];
for (const name of names.length > 0 ? names : Object.keys(TARGETS)) {
  const { mutate, tests } = TARGETS[name];
  const config = {
    testRunner: "command",
    // The environment (env above): WW_PROPERTY_RUNS, fewer property cases per mutant (the fixed seeds still
    // run; the full count runs in `npm test`); WW_PROPERTY_SHRINK=0, a failing property reports its first
    // counterexample unshrunk; WW_WAIT_MS, the bound of every wait in the core tests (tests/support/bounded.ts),
    // so that a mutant that leaves a wait hanging fails on a message within seconds, not by StrykerJS's timeout.
    commandRunner: { command: `node_modules/.bin/tsx --test --test-timeout=8000 ${tests.join(" ")}` },
    mutate,
    coverageAnalysis: "off",
    // StrykerJS rewrites the tsconfig's `extends`/`references` through TypeScript's JS API, which the native
    // TypeScript 7 has not; ours has neither, so it is not rewritten (a name no file has).
    tsconfigFile: "tsconfig.not-rewritten.json",
    concurrency: 2,
    // Above the sum of the bounded waits of a file whose every test a mutant breaks (about 20 tests × 2 s):
    // such a mutant is then killed by those messages; only code that loops forever reaches this timeout.
    timeoutMS: 60_000,
    reporters: ["clear-text", "progress-append-only", "html", "json"],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    // The sandbox is a copy of the project; fixtures/proc holds dangling symlinks (a /proc's `ns/pid` links),
    // which StrykerJS cannot copy, and no test of these targets reads it.
    ignorePatterns: ["/fixtures/proc"],
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
  };
  const configFile = join(ROOT, ".stryker-tmp", `${name}.config.json`);
  mkdirSync(join(ROOT, ".stryker-tmp"), { recursive: true });
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`== mutate ${name}: ${mutate.join(" ")} against ${tests.join(" ")}`);
  const result = spawnSync(nodeBinary, [strykerBin, "run", configFile, ...strykerFlags], { cwd: ROOT, stdio: "inherit", env });
  if (result.status !== 0) {
    failed = true;
    continue;
  }
  const report = JSON.parse(readFileSync(join(ROOT, config.jsonReporter.fileName), "utf8"));
  for (const score of fileScores(report)) summary.push({ target: name, ...score });
}
console.log("\n== mutation scores (killed + timed out of the valid mutants)");
for (const { target, file, score, killed, timedOut, survivors } of summary) {
  console.log(`${target.padEnd(15)} ${file.padEnd(26)} ${score.toFixed(1).padStart(5)} %  killed ${killed}, timed out ${timedOut}, survived ${survivors.length}`);
  for (const survivor of survivors) console.log(`    ${survivor}`);
}
process.exitCode = failed ? 1 : 0;
