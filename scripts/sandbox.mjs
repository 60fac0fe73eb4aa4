#!/usr/bin/env node
// `npm run sandbox [-- --dir D]`: for someone without Docker (root on Debian/Ubuntu). Starts a private dockerd,
// podman, containerd and CRI containerd under D (default $WW_SANDBOX_DIR or /tmp/ww-sandbox; scripts/engines/
// set.mjs, which installs missing Debian packages), adds a small demo workload (scripts/sandbox/workload.mjs),
// prints the sockets and the whalewatcher commands for them, and removes everything when it ends.
//
// Promises: one sandbox per directory (a second for the same D refuses and repeats how to reach the first;
// several run side by side with different --dir); ending it stops only the processes it started — its engines by
// their pidfiles, their shims/conmon and containers — never a user's process that mentions D
// (cleanup's engineProcessesOnly); the mounts under D are released on every way out: Ctrl-C, SIGTERM, SIGHUP,
// a closed stdout/stderr pipe (writes to it are dropped, cleanup goes on), a crash of this script (an uncaught
// error or rejection; tested through WW_SANDBOX_TEST_CRASH below). SIGKILL cannot be handled: it leaves the
// engines and mounts behind until the next sandbox for D, which takes the stale claim over and, as every start
// does (startEngines), first stops and unmounts what is left under D.
// Plain Node ESM without npm dependencies.
import fs from "node:fs";
import path from "node:path";
import { startEngines, stopEngines } from "./engines/set.mjs";
import { claim, release } from "./sandbox/claim.mjs";
import { guide } from "./sandbox/guide.mjs";
import { startWorkload } from "./sandbox/workload.mjs";

const CLEANUP = { engineProcessesOnly: true };

function parseDir(argv) {
  let dir = process.env.WW_SANDBOX_DIR || "/tmp/ww-sandbox";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--dir" && argv[i + 1]) dir = argv[++i];
    else if (argv[i].startsWith("--dir=")) dir = argv[i].slice("--dir=".length);
    else {
      say(`sandbox: unknown argument ${argv[i]}; usage: npm run sandbox [-- --dir DIR]`);
      process.exit(64);
    }
  }
  return path.resolve(dir);
}

// A reader that went away (`npm run sandbox | head`, a closed terminal) must not stop the cleanup halfway.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});

function say(text) {
  try {
    process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  } catch {
    // stderr is gone; keep going
  }
}

if (process.getuid?.() !== 0) {
  say("sandbox: needs root (it starts private container engines); run `sudo npm run sandbox`");
  process.exit(1);
}

const dir = parseDir(process.argv.slice(2));
const guideFile = path.join(dir, "guide.txt");
const claimed = claim(dir);
if (!claimed.ok) {
  let reach = "";
  try {
    reach = fs.readFileSync(guideFile, "utf8");
  } catch {
    reach = "(it is still starting; its guide will be in " + guideFile + ")\n";
  }
  say(
    `sandbox: another sandbox (pid ${claimed.pid}) already runs under ${dir}; it stays as it is.\n` +
      `Use it (its guide follows), or start one beside it: npm run sandbox -- --dir ${dir}-2\n\n${reach}`,
  );
  process.exit(1);
}

let starting;
let stopping;
/** Stops the engines, unmounts, removes dir and the claim; exits with `code`. Runs once. */
function shutdown(code, why) {
  if (stopping) return stopping;
  stopping = (async () => {
    say(`\nsandbox: ${why}: stopping its engines and removing ${dir} …`);
    await starting?.catch(() => {}); // engines half-started are stopped once they are all known
    try {
      await stopEngines(dir, CLEANUP);
      say("sandbox: removed");
    } catch (error) {
      say(`sandbox: cleanup failed: ${error?.stack ?? error}`);
      code = code || 1;
    }
    release(dir);
    process.exit(code);
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => shutdown(0, `${signal} received`));
process.on("uncaughtException", (error) => shutdown(1, `crashed (${error?.stack ?? error})`));
process.on("unhandledRejection", (error) => shutdown(1, `crashed (${error?.stack ?? error})`));

say(`sandbox: starting private dockerd, podman, containerd and CRI containerd under ${dir} …`);
starting = startEngines(dir, CLEANUP);
const env = await starting;
if (stopping) await stopping;
if (!env.WW_TEST_DOCKER_HOST || !env.WW_TEST_CONTAINERD) {
  await shutdown(1, `the engines did not start (${env.WW_TEST_ENGINE_ERRORS ?? "see above"})`);
}
try {
  startWorkload(dir, env);
} catch (error) {
  await shutdown(1, `the demo workload failed: ${error.message}`);
}
const text = guide(dir, env);
fs.writeFileSync(guideFile, text);
try {
  process.stdout.write(`\n${text}`);
} catch {
  // nobody reads stdout; the guide is in guideFile
}
setInterval(() => {}, 1 << 30);
// For tests/sandbox/sandbox.test.ts: the crash path on demand. With WW_SANDBOX_TEST_CRASH=SIGUSR2 (a signal
// name), that signal makes this script throw an error nobody catches, as a bug here would.
const crashSignal = process.env.WW_SANDBOX_TEST_CRASH;
if (crashSignal) {
  process.on(crashSignal, () => {
    throw new Error(`crash injected by WW_SANDBOX_TEST_CRASH=${crashSignal}`);
  });
}
