/**
 * Real engine restarts while a Watcher runs: a private dockerd with
 * `--live-restore`, a private containerd and a private podman service (never the shared engines) are
 * stopped; during the outage a container's initial process is killed
 * directly; after the restart, while the watcher reconnects, a new container
 * starts and a survivor is paused (neither can happen while the daemon is
 * down, and freezing a cgroup behind the engine's back is not what the
 * engine reports: containerd's shim keeps saying RUNNING). The watcher must end
 * up with the engine's truth and its subscribers with exactly the missed
 * transitions (the exit from the rebuilt portfolio's diff: dockerd keeps its
 * event log in memory only, containerd keeps none; podman's file event log may replay it).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Watcher } from "../../lib/watcher.ts";
import { containerdEngine, dockerEngine, podmanEngine, rootfsSkip, testImage, testRootfs } from "../support/engines.ts";
import { type PrivateEngines, processAlive, type RestartableDaemon, startPrivateEngines } from "../support/restartable-engines.ts";
import { ContainerdDriver, DockerDriver, type EngineDriver } from "./drivers.ts";
import { EventLog, settle, SETTLE_TIMEOUT_MS, TEST_BACKOFF, transitionsSince, waitUntil } from "./support.ts";

const rootfs = testRootfs();
// The runner's engine of the same kind started, so this machine can run a private one too; per engine, so
// that the dockerd case does not skip because containerd or podman is missing (or the other way round).
const skipDocker = rootfsSkip("docker", dockerEngine(), "private engines");
const skipContainerd = rootfsSkip("containerd", containerdEngine(), "private engines");
const skipPodman = rootfsSkip("podman", podmanEngine(), "private engines");

describe("Watcher across real engine restarts", () => {
  let engines: PrivateEngines | undefined;
  before(async () => {
    if (!skipDocker || !skipContainerd || !skipPodman) engines = await startPrivateEngines(rootfs!, testImage());
  });
  after(async () => {
    await engines?.stop();
  });

  async function restartScenario(driver: EngineDriver, daemon: RestartableDaemon): Promise<void> {
    const victim = await driver.start();
    const survivor = await driver.start();
    const watcher = new Watcher(driver.client(endpointOf(driver)), { backoff: TEST_BACKOFF });
    const watching = watcher.watch();
    let log: EventLog | undefined;
    try {
      await watcher.ready;
      log = new EventLog(watcher);
      await settle(watcher, log, driver, "before the restart");
      const mark = log.events.length;
      const pid = await driver.pid(victim);
      assert.ok(pid > 0);

      await daemon.stop();
      await waitUntil(`the watcher to notice that ${daemon.name} is gone`, () => watcher.phase !== "synced");
      process.kill(pid, "SIGKILL");
      await waitUntil(`pid ${pid} to die`, () => !processAlive(pid));
      await daemon.start();
      // While the watcher is still reconnecting: a start and a pause (the daemon must be up for either).
      const newcomer = await driver.start();
      await driver.pause(survivor);

      const truth = await settle(watcher, log, driver, `after the ${daemon.name} restart`);
      assert.ok(truth.some((line) => line.includes(` ${survivor} `)), `${survivor} survived the restart`);
      assert.deepEqual(
        transitionsSince(log, mark, driver.keep),
        [`exited ${victim}`, `started ${newcomer}`, `paused ${survivor}`].sort(),
      );
    } finally {
      await watcher.close();
      await watching;
      await log?.close();
      await driver.cleanup();
    }
  }

  const endpoints = new WeakMap<EngineDriver, string>();
  const endpointOf = (driver: EngineDriver): string => endpoints.get(driver)!;

  it("dockerd --live-restore restarted; a container killed during the outage; one started after", { skip: skipDocker, timeout: SETTLE_TIMEOUT_MS * 4 }, async () => {
    const driver = new DockerDriver(engines!.dockerHost, "private dockerd");
    endpoints.set(driver, engines!.dockerHost);
    await restartScenario(driver, engines!.dockerd);
  });

  it("podman service restarted; a container killed during the outage; one started after", { skip: skipPodman, timeout: SETTLE_TIMEOUT_MS * 4 }, async () => {
    const driver = new DockerDriver(engines!.podmanHost, "private podman");
    endpoints.set(driver, engines!.podmanHost);
    await restartScenario(driver, engines!.podman);
  });

  it("containerd restarted; a task killed during the outage; one started after", { skip: skipContainerd, timeout: SETTLE_TIMEOUT_MS * 4 }, async () => {
    const driver = new ContainerdDriver(engines!.containerdSocket, rootfs!, "private containerd");
    endpoints.set(driver, engines!.containerdSocket);
    await restartScenario(driver, engines!.containerd);
  });
});
