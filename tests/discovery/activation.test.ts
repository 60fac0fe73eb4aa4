/**
 * A socket-activated podman: the socket exists, but no podman runs until a
 * client connects. `systemd-socket-activate` (the test's own listener,
 * standing in for systemd) holds the per-user well-known socket and execs a
 * podman service over the private podman's storage on the first connection.
 * Discovery's probe starts it and finds it; the next scan sees the podman
 * process on the same socket file: one engine, under the same key.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { discoverEngines } from "../../engines/discovery.ts";
import { engineSkip, podmanEngine } from "../support/engines.ts";

const ACTIVATOR = "/usr/bin/systemd-socket-activate";
const podman = podmanEngine();
const skip = engineSkip("podman", podman, !existsSync(ACTIVATOR) && `no ${ACTIVATOR} (package systemd) to activate a socket`);

/** The private podman service's command line and environment (its storage settings). */
function privatePodman(): { args: string[]; env: Record<string, string> } {
  const socket = podman.endpoint!;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
      if (args[0] !== "podman" || !args.includes(socket)) continue;
      const env = Object.fromEntries(
        readFileSync(`/proc/${name}/environ`, "utf8").split("\0").filter((kv) => kv.startsWith("CONTAINERS_")).map((kv) => {
          const eq = kv.indexOf("=");
          return [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
      );
      return { args: args.slice(1).filter((arg) => arg !== socket), env };
    } catch {
      // exited meanwhile
    }
  }
  throw new Error(`no podman process serving ${socket}`);
}

function comm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
}

describe("discovery of a socket-activated podman", () => {
  it("the probe's connection starts the service; both scans list it once, under one key", { skip, timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ww-act-"));
    const socket = join(dir, "run", "0", "podman", "podman.sock");
    mkdirSync(join(dir, "run", "0", "podman"), { recursive: true });
    const { args, env } = privatePodman();
    const activator = spawn(ACTIVATOR, ["-l", socket, "podman", ...args], { env: { ...process.env, ...env }, stdio: "ignore" });
    const exited = new Promise((resolve) => activator.once("exit", resolve));
    try {
      const pid = activator.pid!;
      for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.notEqual(comm(pid), "podman", "no podman runs before a client connects");
      // A /proc view with just the activator (and self): other engines of the machine stay out.
      const view = join(dir, "proc");
      mkdirSync(view);
      symlinkSync("/proc/self", join(view, "self"));
      symlinkSync(`/proc/${pid}`, join(view, String(pid)));
      const options = { procRoot: view, userRuntimeRoot: join(dir, "run"), probeTimeout: 30_000 };
      const reaches = (e: { api: string; alsoAt: readonly string[] }): boolean => [e.api, ...e.alsoAt].includes(`unix://${socket}`);

      const first = (await discoverEngines(options)).engines.filter(reaches);
      assert.equal(first.length, 1, JSON.stringify(first));
      assert.equal(first[0]!.type, "podman.io");
      assert.equal(first[0]!.sources[0]!.method, "well-known");
      assert.equal(comm(pid), "podman", "the probe's connection activated the service");

      const second = (await discoverEngines(options)).engines.filter(reaches);
      assert.equal(second.length, 1, JSON.stringify(second));
      assert.equal(second[0]!.key, first[0]!.key, "the same engine before and after its activation");
      assert.equal(second[0]!.pid, pid, "now its process is known");
      assert.ok(second[0]!.sources.some((s) => s.method === "process"));
    } finally {
      activator.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
