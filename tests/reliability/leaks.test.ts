/**
 * No leaks: a process that watched a real engine exits on its own after
 * close(); 100 watch/close cycles leave the open file descriptor count
 * (/proc/self/fd) unchanged. Deno's op and resource sanitizers, which apply
 * to `Deno.test` only, check a whole watch in deno-sanitizers.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import type { EngineClient } from "../../lib/engine.ts";
import { Watcher } from "../../lib/watcher.ts";
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { DockerClient } from "../../engines/docker/mod.ts";
import { containerdEngine, dockerEngine, type EngineLookup } from "../support/engines.ts";
import { here } from "../transport/support.ts";
import { runChild, runtimeCommand } from "../support/child.ts";
import { waitUntil } from "./support.ts";

const CYCLES = 100;

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

const engines: Array<[string, "docker" | "containerd", EngineLookup, (endpoint: string) => EngineClient]> = [
  ["dockerd", "docker", dockerEngine(), (host) => new DockerClient({ host, env: {} })],
  ["containerd", "containerd", containerdEngine(), (socket) => new ContainerdClient({ socket })],
];

for (const [label, kind, engine, makeClient] of engines) {
  describe(`no leaks with ${label}`, () => {
    it("a process exits on its own after the watcher closes", { skip: engine.skip, timeout: 90_000 }, async () => {
      const result = await runChild([...runtimeCommand(here("../reliability/child-watch.ts")), kind, engine.endpoint!], {
        timeoutMs: 60_000,
      });
      assert.equal(result.timedOut, false, `the child did not exit by itself; output: ${result.stdout} ${result.stderr}`);
      assert.match(result.stdout, /synced \d+\nclosed\n/);
      assert.equal(result.code, 0, result.stderr);
    });

    it(`${CYCLES} watch/close cycles leave the fd count unchanged`, { skip: engine.skip, timeout: 180_000 }, async () => {
      const cycle = async (): Promise<void> => {
        const watcher = new Watcher(makeClient(engine.endpoint!));
        const watching = watcher.watch();
        const events = watcher.events({ initial: true });
        const draining = (async () => {
          for await (const _ of events) {
            // drained until close
          }
        })();
        await watcher.ready;
        await watcher.close();
        await watching;
        await draining;
      };
      await cycle(); // warm-up: lazily loaded modules, runtime-internal descriptors
      const before = openFds();
      for (let i = 0; i < CYCLES; i++) await cycle();
      // Sockets close asynchronously after close() resolves; give them a bounded moment.
      await waitUntil(() => `fd count back to ${before} (now ${openFds()})`, () => openFds() <= before, 15_000);
    });
  });
}
