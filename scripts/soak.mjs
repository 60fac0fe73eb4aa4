#!/usr/bin/env node
// The churn soak: `node scripts/soak.mjs --minutes N [--seed S]` (or `npm run soak -- --minutes N`).
//
// Random start/stop/kill/restart/pause/unpause on real engines while a fault-injecting proxy cuts, stalls,
// truncates and delays the watcher's connections; after every round the watcher's portfolio and the replay
// of its event stream are compared with the engine's ground truth (`docker ps` + inspect, `ctr task ls`).
// Prints a line per round, then rounds, faults and mismatches per engine; exits 1 on any mismatch.
//
// Uses the engines named by WW_TEST_DOCKER_HOST / WW_TEST_CONTAINERD (+ WW_TEST_ROOTFS, WW_TEST_IMAGE) when
// set; otherwise starts a private set with scripts/engines.mjs for the run and stops it afterwards.
// The minutes are split between the engines. Plain Node ESM; the soak itself runs under tsx.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { supportedNode } from "./engines/node-lines.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const engines = path.join(ROOT, "scripts/engines.mjs");

let dir;
let env = { ...process.env };
if (!env.WW_TEST_DOCKER_HOST && !env.WW_TEST_CONTAINERD) {
  dir = fs.mkdtempSync(`/tmp/ww-e-${process.pid}-`);
  const started = spawnSync(process.execPath, [engines, "start", "--dir", dir], { stdio: ["ignore", "ignore", "inherit"] });
  if (started.status !== 0) process.stderr.write(`[soak] some engines did not start (exit ${started.status})\n`);
  try {
    env = { ...env, ...JSON.parse(fs.readFileSync(path.join(dir, "env.json"), "utf8")) };
  } catch {
    // no engines at all: soak-main reports it
  }
}
const stop = () => {
  if (!dir) return;
  spawnSync(process.execPath, [engines, "stop", "--dir", dir], { stdio: "inherit" });
  dir = undefined;
};
const child = spawn(
  supportedNode(ROOT),
  ["--import", "tsx", path.join(ROOT, "tests/reliability/soak-main.ts"), ...process.argv.slice(2)],
  { cwd: ROOT, env, stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("close", (code, signal) => {
  stop();
  process.exit(code ?? (signal ? 1 : 0));
});
