/**
 * Least privilege under Deno: the CLI works with read, write and net
 * (`unix:` + `localhost`) on exactly the engine socket, and each of those
 * missing gives exit 2 with a message naming the flags to grant. `-P` (the
 * deno.json set) never fails for lack of a permission on the default sockets. On a terminal with too few
 * permissions it never prompts: it says what is missing in one message.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { runtime } from "../../lib/runtime.ts";
import { runChild } from "../support/child.ts";
import { dockerEngine } from "../support/engines.ts";
import { ROOT, runCli } from "./child.ts";

const notDeno = runtime === "deno" ? undefined : `SKIPPED: Deno permissions do not exist on ${runtime}`;
const dockerHost = dockerEngine();
const skip = notDeno ?? dockerHost.skip;
const TIMEOUT = { timeout: 90_000 };
/** The sockets deno.json's default permission set grants (and the CLI's defaults). */
const DEFAULT_SOCKETS = ["/var/run/docker.sock", "/run/containerd/containerd.sock"];

describe("CLI under Deno permissions", () => {
  const host = dockerHost.endpoint ?? "";
  const socket = host.replace(/^unix:\/\//, "");
  const grants = {
    read: `--allow-read=${socket}`,
    write: `--allow-write=${socket}`,
    net: `--allow-net=unix:${socket},localhost`,
  };
  const args = ["--engine", "docker", "--docker-host", host, "--json"];

  it("read, write and net on the socket are enough", { skip, ...TIMEOUT }, async () => {
    const run = await runCli(args, Object.values(grants));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).engines[0].api, host);
  });

  for (const missing of Object.keys(grants) as Array<keyof typeof grants>) {
    it(`without ${missing} it exits 2 naming the flags to grant`, { skip, ...TIMEOUT }, async () => {
      const flags = Object.entries(grants).filter(([kind]) => kind !== missing).map(([, flag]) => flag);
      const run = await runCli(args, flags);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`docker at ${host}: Deno does not permit access to ${host}`));
      assert.match(run.stderr, new RegExp(`hint: run Deno with ${Object.values(grants).join(" ")}`));
    });
  }

  it("asks first: an unreadable DOCKER_HOST is said, and every missing socket grant comes in one message", { skip, ...TIMEOUT }, async () => {
    const run = await runCli(["--engine", "docker"], [grants.read], 60_000, { DOCKER_HOST: host });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Deno may not read DOCKER_HOST, .*so they count as unset\n  hint: to use them, run Deno with --allow-env=DOCKER_HOST,/);
    // DOCKER_HOST unread: the default socket is the one tried, and what it lacks is named before it is touched.
    assert.match(run.stderr, /docker at unix:\/\/\/var\/run\/docker.sock: Deno does not permit access/);
    assert.match(run.stderr, /Deno: to reach them all, run with --allow-read=\/var\/run\/docker.sock --allow-write=\/var\/run\/docker.sock --allow-net=unix:\/var\/run\/docker.sock,localhost/);
  });

  it("-P (deno.json's set) grants the default sockets: no permission error there", { skip: notDeno, ...TIMEOUT }, async () => {
    const run = await runCli([], ["-P"]);
    assert.doesNotMatch(run.stderr, /Deno denied|NotCapable|Requires .* access/);
    // Which outcome is right depends on the host: with a socket at a default path an engine answers (exit 0);
    // without, the CLI must have tried each default socket and found nothing there (exit 2, not a denial).
    if (DEFAULT_SOCKETS.some((path) => existsSync(path))) {
      assert.equal(run.code, 0, run.stderr);
    } else {
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /docker at unix:\/\/\/var\/run\/docker\.sock: no Docker engine at/);
      assert.match(run.stderr, /containerd at \/run\/containerd\/containerd\.sock: no containerd at/);
    }
  });

  it("-P does not reach another socket: it exits 2 with the flags to add", { skip, ...TIMEOUT }, async () => {
    const run = await runCli(args, ["-P"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Deno does not permit access/);
    assert.match(run.stderr, /Deno: `deno run -P cli\/bin\.ts` grants only the default sockets/);
  });

  const noScript = spawnSync("script", ["--version"]).error ? "SKIPPED: `script` (util-linux) is not installed" : undefined;
  it("on a terminal with too few permissions: no permission prompt, one message with the flags", { skip: notDeno ?? noScript, ...TIMEOUT }, async () => {
    // `deno run --allow-read=/var/run mod.ts` on a pseudo-terminal whose input stays open: a prompt would wait for
    // an answer that never comes (and be killed after timeoutMs), one after another when answered.
    const command = `exec ${process.execPath} run --allow-read=/var/run ${ROOT}mod.ts`;
    const run = await runChild(["script", "-qfec", command, "/dev/null"], { interactive: true, timeoutMs: 60_000 });
    const output = run.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    assert.doesNotMatch(output, /Deno requests|Allow\?/, "no permission prompt");
    assert.equal(run.timedOut, false, output);
    if (run.code !== 0) {
      assert.equal(run.code, 2, output);
      assert.match(output, /^Deno: to reach them all, run with --allow-read=\S*\/var\/run\/docker\.sock/m);
    }
  });
});
