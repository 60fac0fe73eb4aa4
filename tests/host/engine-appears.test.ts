/**
 * A real engine appearing on the host after the host watcher started, and
 * vanishing for good: a private containerd on a path of its own (found only
 * through /proc) is started after the first scan, shows up with an
 * engine-appeared event and its container, and once stopped is reported
 * vanished and dropped. The scans read a /proc view of this test's engine
 * processes (refreshed by every scan), so that other suites' engines stay out.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { discoverEngines } from "../../engines/discovery.ts";
import { hostWatcher } from "../../engines/host.ts";
import { containerdEngine, ctr, rootfsSkip, stdoutOf, testRootfs, uniqueName } from "../support/engines.ts";
import { nextMatching } from "../support/host-events.ts";
import { ProcView } from "../support/proc-view.ts";
import { type PrivateContainerd, startPrivateContainerd } from "../support/restartable-engines.ts";

const rootfs = testRootfs();
const skip = rootfsSkip("containerd", containerdEngine(), "a private containerd");

describe("HostWatcher: a real engine started later appears, stopped for good vanishes", { skip }, () => {
  let engine: PrivateContainerd | undefined;
  const view = new ProcView((_pid, comm, cmdline) => engine !== undefined && comm === "containerd" && cmdline.includes(`${engine.dir}/`));
  after(async () => {
    await engine?.stop();
    view.close();
  });

  it("engine-appeared with its containers, then engine-vanished and dropped", { timeout: 120_000 }, async () => {
    await using host = hostWatcher({
      rescanInterval: 0,
      procRoot: view.dir,
      discover: async (signal) => {
        view.refresh();
        return (await discoverEngines({ procRoot: view.dir, wellKnown: false, signal })).engines;
      },
    });
    const events = host.events()[Symbol.asyncIterator]();
    await host.rescan();
    assert.deepEqual(host.engines(), [], "no engine before it starts");

    engine = await startPrivateContainerd();
    await host.rescan();
    const appeared = await nextMatching(events, (e) => e.type === "engine-appeared");
    assert.ok(appeared.type === "engine-appeared");
    assert.deepEqual([appeared.engine.kind, appeared.engine.api, appeared.engine.pid], ["containerd", engine.socket, engine.containerd.pid]);
    assert.equal(appeared.engine.sources[0]?.method, "process", "found through /proc only");
    const key = appeared.key;
    assert.deepEqual(host.engines().map((v) => v.engine.key), [key]);

    const name = uniqueName("appears");
    stdoutOf(await ctr(engine.socket, "run", "-d", "--rootfs", rootfs!, name, "/bin/sleep", "300"), "ctr run");
    const started = await nextMatching(events, (e) => e.type === "container" && e.event.type === "started" && e.event.container.id === name);
    assert.ok(started.type === "container");
    assert.equal(started.key, key, "the event names the engine that appeared");
    const pid = started.event.container.pid;
    assert.equal(host.engines()[0]?.portfolio.container(name)?.pid, pid);
    assert.equal((await host.containerOf(pid))?.container.id, name);

    await ctr(engine.socket, "task", "kill", "-s", "SIGKILL", name);
    await ctr(engine.socket, "task", "delete", "-f", name);
    await ctr(engine.socket, "container", "delete", name);
    await engine.containerd.stop();
    await host.rescan();
    const vanished = await nextMatching(events, (e) => e.type === "engine-vanished");
    assert.equal(vanished.key, key);
    assert.deepEqual(host.engines(), [], "dropped from the view");
    assert.equal(await host.containerOf(pid), undefined);
  });
});
