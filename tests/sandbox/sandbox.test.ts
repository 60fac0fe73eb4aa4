/**
 * `npm run sandbox` (scripts/sandbox.mjs) as a user meets it: two side by side, a second one for the same
 * directory refusing, cleanup that ends only the sandbox's own processes, and mounts released when it is
 * stopped by SIGTERM, by Ctrl-C after its output pipe closed, or when it crashes (an uncaught error,
 * injected through WW_SANDBOX_TEST_CRASH), and a sandbox killed with SIGKILL (which nothing can handle) taken
 * over by the next one for its directory. Needs root (it starts real engines).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { ROOT, startChild } from "../support/child.ts";
import type { LiveChild } from "../support/child.ts";

const root = process.getuid?.() === 0;
const skip = root ? undefined : "the sandbox needs root";
const SANDBOX = `${ROOT}scripts/sandbox.mjs`;
// The sandbox is a plain Node script (npm runs it with the machine's node), whatever runtime runs the tests.
const NODE = "node";
const base = `/tmp/ww-sbt-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

function under(dir: string, path: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((m) => under(dir, m));
}

/** Mounts of any kind (bind, nsfs, overlay, tmpfs…) whose mount point or source root lies under `dir`, as `type point`. */
function anyMountOf(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l !== "").flatMap((l) => {
    const fields = l.split(" ");
    const type = fields[fields.indexOf("-") + 1] ?? "";
    return under(dir, fields[3] ?? "") || under(dir, fields[4] ?? "") ? [`${type} ${fields[4]}`] : [];
  });
}

/** Processes whose command line names `dir`: the sandbox's engines, shims and conmon. */
function processesNaming(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(dir) && alive(Number(name))) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Reads the sandbox's stdout until its guide says it is ready; returns the guide's lines. */
async function ready(sandbox: LiveChild): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const line = await sandbox.nextLine(240_000);
    lines.push(line);
    if (line.includes("A second sandbox beside it")) return lines;
  }
}

async function docker(host: string, ...args: string[]): Promise<string> {
  const result = await startChild(["docker", "-H", host, ...args], { timeoutMs: 60_000 }).exited;
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

const started: LiveChild[] = [];
after(async () => {
  for (const s of started) if (s.process.exitCode === null) s.process.kill("SIGTERM");
  await Promise.all(started.map((s) => s.exited));
});

describe("npm run sandbox", () => {
  it("runs two side by side, refuses a second for the same directory, and ends only its own processes", { skip }, async () => {
    const [dirA, dirB] = [`${base}-a`, `${base}-b`];
    const a = startChild([NODE, SANDBOX, "--dir", dirA]);
    const b = startChild([NODE, SANDBOX, "--dir", dirB]);
    started.push(a, b);
    const [guideA, guideB] = await Promise.all([ready(a), ready(b)]);
    assert.ok(guideA.includes(`  podman      unix://${dirA}/podman/podman.sock`), guideA.join("\n"));
    assert.ok(guideB.some((l) => l.includes(`--engine podman --podman-host unix://${dirB}/podman/podman.sock`)));
    const hostA = `unix://${dirA}/docker/docker.sock`;
    const hostB = `unix://${dirB}/docker/docker.sock`;
    assert.match(await docker(hostA, "ps", "--format", "{{.Names}}"), /lonely/);
    assert.match(await docker(hostB, "ps", "--format", "{{.Names}}"), /lonely/);
    assert.match(await docker(`unix://${dirA}/podman/podman.sock`, "ps", "--format", "{{.Names}}"), /pod-lonely/);

    const second = await startChild([NODE, SANDBOX, "--dir", dirA], { timeoutMs: 60_000 }).exited;
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`another sandbox \\(pid ${a.process.pid}\\) already runs under ${dirA}`));
    assert.ok(second.stderr.includes(`docker -H ${hostA} unpause demo_db_1`), second.stderr);
    assert.match(await docker(hostA, "ps", "--format", "{{.Names}}"), /lonely/, "the first sandbox is untouched");

    // A user's process that names the sandbox's directory (as a `whalewatcher --watch` window does).
    const user = spawn("sh", ["-c", `sleep 600; : ${hostA} ${dirA}/containerd/containerd.sock`], { stdio: "ignore" });
    assert.ok(mountsUnder(dirA).length > 0, "the sandbox mounts something under its directory");
    process.kill(a.process.pid!, "SIGTERM"); // not ChildProcess.kill: Deno then reports the child as killed
    const endA = await a.exited;
    assert.equal(endA.code, 0, endA.stderr);
    assert.equal(alive(user.pid!), true, "the user's process survives the sandbox's cleanup");
    user.kill("SIGKILL");
    assert.deepEqual(mountsUnder(dirA), []);
    assert.equal(existsSync(dirA), false);
    assert.equal(existsSync(`${dirA}.pid`), false, "the claim is given up");
    assert.match(await docker(hostB, "ps", "--format", "{{.Names}}"), /lonely/, "the other sandbox still runs");
    process.kill(b.process.pid!, "SIGTERM");
    assert.equal((await b.exited).code, 0);
    assert.deepEqual(mountsUnder(dirB), []);
  });

  it("releases its mounts on Ctrl-C after the reader of its output has gone", { skip }, async () => {
    const dir = `${base}-c`;
    const sandbox = spawn(NODE, [SANDBOX, "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => sandbox.on("close", (code) => resolve(code)));
    let out = "";
    sandbox.stdout.setEncoding("utf8");
    await new Promise<void>((resolve, reject) => {
      sandbox.stdout.on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("A second sandbox beside it")) resolve();
      });
      sandbox.on("close", () => reject(new Error(`the sandbox exited before it was ready:\n${out}`)));
    });
    assert.ok(mountsUnder(dir).length > 0);
    // `npm run sandbox | head`: the reader goes, then Ctrl-C; the sandbox's own messages now meet EPIPE.
    sandbox.stdout.destroy();
    sandbox.stderr.destroy();
    process.kill(sandbox.pid!, "SIGINT");
    assert.equal(await exited, 0);
    assert.deepEqual(mountsUnder(dir), []);
    assert.equal(existsSync(dir), false);
  });

  it("after a SIGKILL, the next sandbox for the directory takes the claim over and ends what was left", { skip }, async () => {
    const dir = `${base}-e`;
    const killed = startChild([NODE, SANDBOX, "--dir", dir]);
    started.push(killed);
    await ready(killed);
    const left = processesNaming(dir);
    assert.ok(left.length >= 4, "dockerd, podman, the containerds and their shims run");
    process.kill(killed.process.pid!, "SIGKILL");
    await killed.exited;
    assert.equal(readFileSync(`${dir}.pid`, "utf8").trim(), String(killed.process.pid), "a stale claim is left");
    assert.ok(left.some((pid) => alive(pid)), "its engines outlive it: SIGKILL cannot be handled");

    const next = startChild([NODE, SANDBOX, "--dir", dir]);
    started.push(next);
    await ready(next);
    assert.equal(readFileSync(`${dir}.pid`, "utf8").trim(), String(next.process.pid), "the new sandbox holds the claim");
    assert.deepEqual(left.filter((pid) => alive(pid)), [], "the engines the killed sandbox left are gone");
    assert.match(await docker(`unix://${dir}/docker/docker.sock`, "ps", "--format", "{{.Names}}"), /lonely/);
    process.kill(next.process.pid!, "SIGTERM");
    const end = await next.exited;
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(anyMountOf(dir), [], "no bind, nsfs or other mount is left");
    assert.deepEqual(processesNaming(dir), []);
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(`${dir}.pid`), false, "the claim is given up");
  });

  it("releases its mounts and ends its engines and containers when it crashes", { skip }, async () => {
    const dir = `${base}-d`;
    const sandbox = startChild([NODE, SANDBOX, "--dir", dir], { env: { WW_SANDBOX_TEST_CRASH: "SIGUSR2" } });
    started.push(sandbox);
    await ready(sandbox);
    assert.ok(anyMountOf(dir).some((m) => m.startsWith("nsfs ")), `the sandbox holds network namespaces: ${anyMountOf(dir).join(", ")}`);
    const engines = processesNaming(dir);
    assert.ok(engines.length >= 4, "dockerd, podman, the containerds and their shims run");
    const containers = (await docker(`unix://${dir}/docker/docker.sock`, "ps", "-q")).trim().split("\n");
    const containerPids = (await docker(`unix://${dir}/docker/docker.sock`, "inspect", "--format", "{{.State.Pid}}", ...containers))
      .trim().split("\n").map(Number);
    assert.ok(containerPids.length > 0 && containerPids.every((pid) => alive(pid)), "the demo containers run");

    process.kill(sandbox.process.pid!, "SIGUSR2"); // its handler throws: an uncaught error, as a bug would be
    const end = await sandbox.exited;
    assert.equal(end.code, 1, end.stderr);
    assert.match(end.stderr, /sandbox: crashed \(Error: crash injected by WW_SANDBOX_TEST_CRASH=SIGUSR2/);
    assert.match(end.stderr, /sandbox: removed/);
    assert.deepEqual(anyMountOf(dir), [], "no bind, nsfs or other mount is left");
    assert.deepEqual(engines.filter((pid) => alive(pid)), [], "the engines and shims it started are gone");
    assert.deepEqual(processesNaming(dir), []);
    assert.deepEqual(containerPids.filter((pid) => alive(pid)), [], "so are the containers");
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(`${dir}.pid`), false, "the claim is given up");
  });
});
