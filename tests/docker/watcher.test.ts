/**
 * End to end: the engine-neutral Watcher on a DockerClient against the real
 * private dockerd and podman. Skips loudly when an engine is absent.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { LifecycleEvent } from "../../lib/events.ts";
import { Watcher } from "../../lib/watcher.ts";
import { dockerApiEngines, EngineCleanup, uniqueName } from "../support/engines.ts";
import { dockerOk, EVENT_TIMEOUT_MS, execProbe, liveClient, runSleeper, seenRequests } from "./live.ts";

after(() => {
  for (const { method, path } of seenRequests) assert.ok(method === "GET" || method === "HEAD", `${method} ${path}`);
});

/** Returns the next event satisfying `predicate`, failing after a timeout. */
async function nextMatching(
  events: AsyncIterator<LifecycleEvent>,
  what: string,
  predicate: (event: LifecycleEvent) => boolean,
): Promise<LifecycleEvent> {
  const seen: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${EVENT_TIMEOUT_MS} ms; saw ${seen.join(", ")}`)), EVENT_TIMEOUT_MS);
  });
  try {
    for (;;) {
      const result = await Promise.race([events.next(), timeout]);
      if (result.done) assert.fail(`event stream ended while waiting for ${what}`);
      seen.push(`${result.value.type} ${result.value.container.name}`);
      if (predicate(result.value)) return result.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

for (const [label, engine, expectedType] of dockerApiEngines()) {
  const host = engine.endpoint ?? "";
  const skip = engine.skip;

  describe(`Watcher with DockerClient against real ${label}`, () => {
    const cleanup = new EngineCleanup();
    after(async () => {
      await cleanup.run();
    });

    it("syncs, then follows starts, pauses and exits grouped by project", { skip, timeout: 180_000 }, async () => {
      const project = uniqueName("shop");
      const early = uniqueName("early");
      const frozen = uniqueName("frozen");
      const late = uniqueName("late");
      for (const name of [early, frozen, late]) cleanup.docker(host, name);
      await runSleeper(host, early, "--label", `com.docker.compose.project=${project}`);
      await runSleeper(host, frozen);
      await dockerOk(host, "pause", frozen);

      const watcher = new Watcher(liveClient(host));
      const controller = new AbortController();
      try {
        const watching = watcher.watch();
        await watcher.ready;
        assert.equal(watcher.type, expectedType);
        assert.deepEqual(watcher.portfolio.project(project)?.containerNames(), [early]);
        assert.equal(watcher.portfolio.container(frozen)?.paused, true);

        const events = watcher.events({ signal: controller.signal });
        const ours = (e: LifecycleEvent): boolean => [early, late].includes(e.container.name);
        await runSleeper(host, late, "--label", `com.docker.compose.project=${project}`);
        const started = await nextMatching(events, "start", ours);
        assert.equal(`${started.type} ${started.container.name}`, `started ${late}`);
        assert.equal(started.container.project, project);
        assert.ok(started.container.pid > 0);

        await execProbe(host, late, expectedType === "podman.io");
        await dockerOk(host, "pause", late);
        const paused = await nextMatching(events, "pause", ours);
        assert.equal(`${paused.type} ${paused.container.name}`, `paused ${late}`, "an exec was taken for a lifecycle change");

        await dockerOk(host, "kill", early);
        const exited = await nextMatching(events, "exit", ours);
        assert.equal(`${exited.type} ${exited.container.name}`, `exited ${early}`);
        assert.equal(exited.container.project, project);
        assert.deepEqual(watcher.portfolio.project(project)?.containerNames(), [late]);
        assert.equal(watcher.portfolio.container(late)?.paused, true);

        await watcher.close();
        await watching;
      } finally {
        controller.abort();
        await watcher.close();
      }
    });
  });
}
