// Process, socket and file helpers shared by the engine starters. Plain Node, no dependencies.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

/** Prints a line to stderr (stdout is reserved for the `export` lines). */
export function log(msg) {
  process.stderr.write(`[engines] ${msg}\n`);
}

/** Prints a message that must not be overlooked. */
export function loud(msg) {
  const bar = "!".repeat(78);
  process.stderr.write(`${bar}\n[engines] ${msg}\n${bar}\n`);
}

/** Runs a command synchronously; returns {code, stdout, stderr}. Never throws on non-zero exit. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  return {
    code: r.error ? 127 : r.status ?? 128,
    stdout: r.stdout ?? "",
    stderr: r.error ? String(r.error) : r.stderr ?? "",
  };
}

/** Runs a command and throws with its output when it fails. */
export function must(cmd, args, opts = {}) {
  const r = run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r;
}

/** Whether an executable is on PATH (or is an existing absolute path). */
export function which(name) {
  if (name.includes("/")) return fs.existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = path.join(dir || ".", name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/**
 * Starts a daemon detached from this process (it outlives engines.mjs), with stdout+stderr appended to
 * logFile, and records its pid in pidFile. It runs in logFile's directory, the engine's own: what it or
 * its helpers write relative to their working directory stays there (podman's conmon writes a file `oom`
 * there when a container is OOM-killed; from the project root it was left in the clone).
 */
export function startDaemon(cmd, args, { logFile, pidFile, env = process.env }) {
  const fd = fs.openSync(logFile, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env, cwd: path.dirname(logFile) });
  fs.closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot spawn ${cmd}`);
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  return child.pid;
}

/** Whether a process with this pid exists (and is not a zombie). */
export function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Last lines of a log file, for failure messages. */
export function tail(file, lines = 25) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET over a unix socket; resolves {status, body} or rejects. */
export function getUnix(socketPath, urlPath, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Polls `probe` until it returns true, the daemon dies, or the timeout passes. Throws with the log tail.
 */
export async function waitUntil(name, probe, { pid, logFile, timeoutMs = 60000 }) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = "";
  while (Date.now() < deadline) {
    if (pid !== undefined && !alive(pid)) {
      throw new Error(`${name} exited during start-up. Log tail (${logFile}):\n${tail(logFile)}`);
    }
    try {
      if (await probe()) return;
    } catch (e) {
      lastErr = String(e?.message ?? e);
    }
    await sleep(200);
  }
  throw new Error(`${name} did not answer within ${timeoutMs / 1000}s (${lastErr}). Log tail (${logFile}):\n${tail(logFile)}`);
}
