/**
 * End to end: the engine-neutral Watcher on a ContainerdClient against a real
 * containerd (WW_TEST_CONTAINERD, WW_TEST_ROOTFS); skips loudly without one.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import { containerdEngine, ctr, rootfsSkip, stdoutOf, testRootfs, uniqueName } from "../support/engines.ts";

const engine = containerdEngine();
const rootfs = testRootfs();
const skip = rootfsSkip("containerd", engine);
const socket = engine.endpoint ?? "";

/** How long an engine action may take to show up on a busy machine. */
const EVENT_TIMEOUT_MS = 20_000;

/** Returns the next event satisfying `predicate`, failing after a timeout. */
async function nextMatching(
  events: AsyncIterator<LifecycleEvent>,
  what: string,
  predicate: (event: LifecycleEvent) => boolean,
  seen: LifecycleEvent[],
): Promise<LifecycleEvent> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${EVENT_TIMEOUT_MS} ms; saw ${seen.map((e) => `${e.type} ${e.container.id}`).join(", ")}`)), EVENT_TIMEOUT_MS);
  });
  try {
    for (;;) {
      const result = await Promise.race([events.next(), timeout]);
      if (result.done) assert.fail(`event stream ended while waiting for ${what}`);
      seen.push(result.value);
      if (predicate(result.value)) return result.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

describe("Watcher with ContainerdClient against a real containerd", () => {
  it("syncs, then follows starts, pauses and exits across namespaces; exec exits do not count", { skip, timeout: 120_000 }, async () => {
    const namespace = uniqueName("ns");
    const project = uniqueName("shop");
    const before = uniqueName("before");
    const later = uniqueName("later");
    const created: Array<[string, string]> = [];
    const run = async (ns: string, id: string, ...labels: string[]): Promise<void> => {
      created.push([ns, id]);
      stdoutOf(
        await ctr(socket, "-n", ns, "run", "-d", ...labels.flatMap((l) => ["--label", l]), "--rootfs", rootfs!, id, "/bin/sleep", "1000"),
        `ctr run ${ns}/${id}`,
      );
    };
    const watcher = new Watcher(new ContainerdClient({ socket }));
    const controller = new AbortController();
    try {
      await run("default", before, `com.docker.compose.project=${project}`, `nerdctl/name=${before}-name`);
      const watching = watcher.watch();
      await watcher.ready;
      const synced = watcher.portfolio.containerById(before);
      assert.equal(synced?.project, project);
      assert.equal(synced?.name, `${before}-name`);

      const subscription = watcher.events({ signal: controller.signal });
      const seen: LifecycleEvent[] = [];
      const ours = (event: LifecycleEvent): boolean => [before, `${namespace}/${later}`].includes(event.container.id);

      await run(namespace, later, `com.docker.compose.project=${project}`);
      const started = await nextMatching(subscription, "start", ours, seen);
      assert.equal(started.type, "started");
      assert.equal(started.container.id, `${namespace}/${later}`);
      assert.equal(started.container.project, project);
      assert.ok(started.container.pid > 0);

      stdoutOf(await ctr(socket, "-n", namespace, "task", "exec", "--exec-id", "probe", later, "/bin/true"), "ctr task exec");
      stdoutOf(await ctr(socket, "-n", namespace, "task", "pause", later), "ctr task pause");
      const paused = await nextMatching(subscription, "pause", ours, seen);
      assert.equal(`${paused.type} ${paused.container.id}`, `paused ${namespace}/${later}`, "an exec exit was taken for the container's exit");
      assert.deepEqual(watcher.portfolio.project(project)?.containerNames(), [`${before}-name`, `${namespace}/${later}`].sort());

      stdoutOf(await ctr(socket, "task", "kill", "-s", "SIGKILL", before), "ctr task kill");
      const exited = await nextMatching(subscription, "exit", ours, seen);
      assert.equal(`${exited.type} ${exited.container.id}`, `exited ${before}`);
      assert.equal(exited.container.project, project, "the exit event carries the project looked up by the core");
      assert.equal(watcher.portfolio.containerById(before), undefined);
      assert.equal(watcher.portfolio.containerById(`${namespace}/${later}`)?.paused, true);

      await watcher.close();
      await watching;
    } finally {
      controller.abort();
      await watcher.close();
      await Promise.all(created.map(async ([ns, id]) => {
        await ctr(socket, "-n", ns, "task", "kill", "-s", "SIGKILL", id);
        await ctr(socket, "-n", ns, "task", "delete", "-f", id);
        await ctr(socket, "-n", ns, "containers", "rm", id);
      }));
      await ctr(socket, "namespaces", "remove", namespace);
    }
  });
});
