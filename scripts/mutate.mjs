#!/usr/bin/env node
/**
 * `npm run mutate [target...]`: StrykerJS mutation testing of the core (not part of `npm test`: it runs
 * the core tests once per mutant). Each target mutates some lib/ files and runs only the core tests that
 * cover them, so that a mutant costs seconds. StrykerJS needs Node ≥ 22: it runs on the type-stripping
 * Node of tests/support/stripping-node.ts (this Node where it can, else Node 24 from npm). StrykerJS itself
 * is installed once, pinned, under node_modules/.cache (kept out of the project's dependencies, like the
 * fetched Node). Reports: reports/mutation/<target>.html and the scores on stdout.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

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
    tests: ["tests/core/portfolio.test.ts", "tests/core/pmap.test.ts", "tests/core/reducer.test.ts"],
  },
  fanout: { mutate: ["lib/fanout.ts"], tests: ["tests/core/fanout.test.ts"] },
  "ordered-inputs": {
    mutate: ["lib/ordered-inputs.ts"],
    tests: ["tests/core/watcher.test.ts", "tests/core/watcher.property.test.ts"],
  },
  backoff: { mutate: ["lib/backoff.ts"], tests: ["tests/core/backoff.test.ts"] },
};

function node() {
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const script = 'import { strippingNode } from "./tests/support/stripping-node.ts"; console.log(strippingNode());';
  return execFileSync(tsx, ["--eval", script], { cwd: ROOT, encoding: "utf8" }).trim();
}

function stryker() {
  const bin = join(CACHE, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, "package.json"), '{ "private": true }\n');
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", STRYKER], { cwd: CACHE, stdio: "inherit" });
  return bin;
}

const names = process.argv.slice(2);
for (const name of names) if (!(name in TARGETS)) throw new Error(`unknown target ${name}; targets: ${Object.keys(TARGETS)}`);
const nodeBinary = node();
const strykerBin = stryker();
let failed = false;
for (const name of names.length > 0 ? names : Object.keys(TARGETS)) {
  const { mutate, tests } = TARGETS[name];
  const config = {
    testRunner: "command",
    // Fewer property cases per mutant: the fixed seeds still run; the full count runs in `npm test`.
    // --test-timeout: a mutant that leaves a wait hanging fails that test with a message within seconds,
    // rather than running into Stryker's timeout.
    commandRunner: { command: `WW_PROPERTY_RUNS=150 node_modules/.bin/tsx --test --test-timeout=8000 ${tests.join(" ")}` },
    mutate,
    coverageAnalysis: "off",
    concurrency: 2,
    timeoutMS: 20_000,
    reporters: ["clear-text", "html", "json"],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
  };
  const configFile = join(ROOT, ".stryker-tmp", `${name}.config.json`);
  mkdirSync(join(ROOT, ".stryker-tmp"), { recursive: true });
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`== mutate ${name}: ${mutate.join(" ")} against ${tests.join(" ")}`);
  const result = spawnSync(nodeBinary, [strykerBin, "run", configFile], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
