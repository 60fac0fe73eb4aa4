#!/usr/bin/env node
// `npm run sandbox`: for someone without Docker (root on Debian/Ubuntu). Starts the same private dockerd and
// containerd the tests use (scripts/engines.mjs, which installs missing Debian packages), adds a small demo
// workload — a compose project with a paused service, a standalone container and a containerd container —
// prints the exact whalewatcher commands to point at them, and removes everything on Ctrl-C / SIGTERM.
// Plain Node ESM without npm dependencies.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = process.env.WW_SANDBOX_DIR || "/tmp/ww-sandbox";
const engines = join(root, "scripts", "engines.mjs");

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr || result.error}`);
  return result.stdout.trim();
}

function stop() {
  console.error("\nsandbox: removing the demo engines and everything under", dir);
  spawnSync(process.execPath, [engines, "stop", "--dir", dir], { stdio: "inherit" });
}

if (process.getuid?.() !== 0) {
  console.error("sandbox: needs root (it starts private container engines); run `sudo npm run sandbox`");
  process.exit(1);
}

console.error(`sandbox: starting private dockerd and containerd under ${dir} …`);
const exports = execFileSync(process.execPath, [engines, "start", "--dir", dir], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const env = Object.fromEntries(
  [...exports.matchAll(/^export (\w+)='([^']*)'$/gm)].map(([, name, value]) => [name, value]),
);
const dockerHost = env.WW_TEST_DOCKER_HOST;
const containerd = env.WW_TEST_CONTAINERD;
if (!dockerHost || !containerd) {
  console.error("sandbox: the engines did not start:\n" + exports);
  stop();
  process.exit(1);
}

try {
  const image = env.WW_TEST_IMAGE || "ww-busybox:latest";
  const project = join(dir, "demo-project");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "docker-compose.yaml"),
    `version: "2.4"\nservices:\n` +
      ["web", "db"].map((s) => `  ${s}:\n    image: ${image}\n    command: ["sleep", "1000000"]\n    network_mode: none\n`)
        .join(""),
  );
  sh("docker-compose", ["-H", dockerHost, "-p", "demo", "-f", join(project, "docker-compose.yaml"), "up", "-d"]);
  sh("docker-compose", ["-H", dockerHost, "-p", "demo", "-f", join(project, "docker-compose.yaml"), "pause", "db"]);
  sh("docker", ["-H", dockerHost, "run", "-d", "--network", "none", "--name", "lonely", image, "sleep", "1000000"]);
  sh("ctr", ["-a", containerd, "run", "-d", "--rootfs", env.WW_TEST_ROOTFS, "sandbox-ctd", "/bin/sleep", "1000000"]);
} catch (error) {
  console.error(`sandbox: the demo workload failed: ${error.message}`);
  stop();
  process.exit(1);
}

const socket = dockerHost.replace(/^unix:\/\//, "");
const options = `--docker-host ${dockerHost} --containerd ${containerd}`;
console.log(`
Sandbox ready: compose project "demo" (web, db paused), standalone "lonely" on dockerd, "sandbox-ctd" on containerd.

  npx whalewatcher ${options}            # Node (npm start -- ${options} from the clone)
  bun mod.ts ${options} --watch
  deno run -P --allow-read=${socket},${containerd} --allow-write=${socket},${containerd} \\
      --allow-net=unix:${socket},unix:${containerd},localhost mod.ts ${options}

Drive it:  docker -H ${dockerHost} unpause demo_db_1   |   ctr -a ${containerd} task pause sandbox-ctd
Ctrl-C removes everything.`);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
setInterval(() => {}, 1 << 30);
