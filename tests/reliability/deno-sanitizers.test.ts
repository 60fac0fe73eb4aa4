/**
 * Deno's op and resource sanitizers over a whole watch: a Watcher on a real
 * engine syncs, a subscriber iterates, an event arrives, and after close()
 * no async op (timer, socket read, fetch) and no resource (HTTP client,
 * socket) may be left. Deno applies its sanitizers to `Deno.test` only, not
 * to node:test tests, hence this file's own registration; other runtimes
 * report it skipped.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { deferred } from "../../lib/async/deferred.ts";
import type { EngineClient } from "../../lib/engine.ts";
import { Watcher } from "../../lib/watcher.ts";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { DockerClient } from "../../engines/docker/mod.ts";
import { containerdEngine, dockerEngine, type EngineLookup, testRootfs } from "../support/engines.ts";
import { ContainerdDriver, DockerDriver, type EngineDriver } from "./drivers.ts";

interface DenoTest {
  test(definition: {
    name: string;
    ignore?: boolean;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
    fn: () => Promise<void>;
  }): void;
}
const deno = (globalThis as { Deno?: DenoTest }).Deno;

const rootfs = testRootfs();
const cases: Array<[string, EngineLookup, (endpoint: string) => EngineClient, (endpoint: string) => EngineDriver]> = [
  ["dockerd", dockerEngine(), (host) => new DockerClient({ host, env: {} }), (host) => new DockerDriver(host, "dockerd")],
  [
    "containerd",
    containerdEngine(),
    (socket) => new ContainerdClient({ socket, logger: { warn() {} } }),
    (socket) => new ContainerdDriver(socket, rootfs ?? ""),
  ],
];

for (const [label, engine, makeClient, makeDriver] of cases) {
  const name = `Deno sanitizers: a watch on ${label} with a subscriber and a live event leaves no op or resource after close()`;
  const skip = engine.skip ?? (label === "containerd" && rootfs === undefined ? "SKIPPED: WW_TEST_ROOTFS is not set" : undefined);
  if (deno === undefined) {
    it(name, { skip: "SKIPPED: Deno's test sanitizers exist only on Deno" }, () => {});
    continue;
  }
  deno.test({
    name,
    ignore: skip !== undefined,
    sanitizeOps: true,
    sanitizeResources: true,
    fn: async () => {
      const driver = makeDriver(engine.endpoint!);
      try {
        const watcher = new Watcher(makeClient(engine.endpoint!));
        const watching = watcher.watch();
        await watcher.ready;
        // The engine is shared with test files running alongside: other containers start meanwhile, so the
        // subscriber waits for the start of the one this test starts.
        const starts = new Set<string>();
        let ours: string | undefined;
        const seen = deferred<void>({ handled: true });
        const following = (async () => {
          for await (const event of watcher.events()) {
            if (event.type !== "started") continue;
            starts.add(event.container.name);
            if (event.container.name === ours) seen.resolve();
          }
        })();
        following.then(() => seen.reject(new Error("the subscription ended before the test's container started")), seen.reject);
        ours = await driver.start();
        if (starts.has(ours)) seen.resolve();
        await seen.promise;
        await watcher.close();
        await watching;
        await following;
      } finally {
        // The driver's own child processes (docker/ctr) are awaited inside the test, so they are no leak either.
        await driver.cleanup();
      }
    },
  });
}
