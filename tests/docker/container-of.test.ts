/**
 * ContainerLocator against the real private dockerd and the real /proc: a
 * container's initial process, a child of it, a process `docker exec`'d into
 * it (a child of the shim), a child of a container sharing the host's PID
 * namespace, and a host process. The watcher's client is read-only (asserted
 * for the file); the Docker CLI sets the containers up. Skips loudly without
 * the engine.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { ContainerLocator } from "../../lib/container-of.ts";
import { Watcher } from "../../lib/watcher.ts";
import { sleep } from "../../lib/async/wait.ts";
import { dockerEngine, EngineCleanup, testImage, uniqueName } from "../support/engines.ts";
import { dockerOk, EVENT_TIMEOUT_MS, liveClient, seenRequests } from "./live.ts";
import type { PidJson } from "../../cli/pid.ts";
import { runCli } from "../cli/child.ts";

after(() => {
  for (const { method, path } of seenRequests) assert.ok(method === "GET" || method === "HEAD", `${method} ${path}`);
});

/** The host PID of the one process whose command line is exactly `argv`; waits (bounded) for it to appear. */
async function hostPidOf(argv: string[]): Promise<number> {
  const wanted = argv.join("\0") + "\0";
  const deadline = Date.now() + EVENT_TIMEOUT_MS;
  for (;;) {
    const found: number[] = [];
    for (const name of await readdir("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
      if (cmdline === wanted) found.push(Number(name));
    }
    if (found.length === 1) return found[0]!;
    assert.ok(found.length === 0, `several processes run ${argv.join(" ")}: ${found.join(", ")}`);
    if (Date.now() > deadline) assert.fail(`no process ${argv.join(" ")} within ${EVENT_TIMEOUT_MS} ms`);
    await sleep(20);
  }
}

const docker = dockerEngine();

describe("ContainerLocator on a real dockerd", { skip: docker.skip }, () => {
  const host = docker.endpoint ?? "";
  const cleanup = new EngineCleanup();
  const own = uniqueName("co-own");
  const shared = uniqueName("co-hostpid");
  // Distinct sleep durations name the processes of this run (runtimes run one after another, names are unique).
  const tag = String(100_000 + Math.floor(Math.random() * 800_000));
  let watcher: Watcher;
  let ownId: string;
  let sharedId: string;

  before(async () => {
    cleanup.docker(host, own);
    cleanup.docker(host, shared);
    ownId = await dockerOk(host, "run", "-d", "--network", "none", "--name", own, testImage(),
      "sh", "-c", `sleep ${tag}1 & wait`);
    sharedId = await dockerOk(host, "run", "-d", "--network", "none", "--pid", "host", "--name", shared, testImage(),
      "sh", "-c", `sleep ${tag}2 & wait`);
    watcher = new Watcher(liveClient(host));
    void watcher.watch();
    await watcher.ready;
  });

  after(async () => {
    await watcher?.close();
    assert.deepEqual(await cleanup.run(), []);
  });

  it("resolves init, child, exec'd process and host-PID-namespace child, and no host process", async () => {
    const locator = new ContainerLocator(() => [watcher]);
    const ownInit = watcher.portfolio.containerById(ownId)?.pid;
    const sharedInit = watcher.portfolio.containerById(sharedId)?.pid;
    assert.ok(ownInit !== undefined && sharedInit !== undefined, "both containers in the picture");

    const init = await locator.containerOf(ownInit);
    assert.deepEqual([init?.container.id, init?.match, init?.engine.api], [ownId, "init", watcher.identity.api]);

    const child = await locator.containerOf(await hostPidOf(["sleep", `${tag}1`]));
    assert.deepEqual([child?.container.id, child?.match], [ownId, "pid-namespace"]);

    await dockerOk(host, "exec", "-d", own, "sleep", `${tag}3`);
    const execd = await locator.containerOf(await hostPidOf(["sleep", `${tag}3`]));
    assert.deepEqual([execd?.container.id, execd?.match], [ownId, "pid-namespace"]);

    const hostChild = await locator.containerOf(await hostPidOf(["sleep", `${tag}2`]));
    assert.deepEqual([hostChild?.container.id, hostChild?.match], [sharedId, "ancestry"]);

    assert.equal(await locator.containerOf(process.pid), undefined);
    assert.equal(await locator.containerOf(1), undefined);
  });

  it("`whalewatcher pid PID` names the container with its engine (exit 0), and exits 3 for a host process", async () => {
    const child = await hostPidOf(["sleep", `${tag}1`]);
    const found = await runCli(["pid", String(child), "--engine", "docker", "--docker-host", host, "--json"]);
    assert.equal(found.code, 0, found.stderr);
    const answer = JSON.parse(found.stdout) as PidJson;
    assert.deepEqual([answer.pid, answer.container?.id, answer.container?.name, answer.engine?.api, answer.match],
      [child, ownId, own, host, "pid-namespace"]);

    const none = await runCli(["pid", String(process.pid), "--engine", "docker", "--docker-host", host]);
    assert.equal(none.code, 3, none.stderr);
    assert.match(none.stdout, new RegExp(`^process ${process.pid} is in no alive container\n$`));
  });
});
