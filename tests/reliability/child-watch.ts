/**
 * Run as a child process by `leaks.test.ts`: watches a real engine until the
 * first sync, with a subscriber iterating, then closes the watcher. The
 * process must then exit on its own (no handle left open).
 *
 * Usage: child-watch.ts docker|containerd ENDPOINT. Prints `synced N`, then `closed`.
 */
import { ContainerdClient } from "../../engines/containerd/mod.ts";
import { DockerClient } from "../../engines/docker/mod.ts";
import type { EngineClient } from "../../lib/engine.ts";
import { Watcher } from "../../lib/watcher.ts";

const [kind, endpoint] = process.argv.slice(2);
if (endpoint === undefined) throw new Error("usage: child-watch.ts docker|containerd ENDPOINT");
const client: EngineClient = kind === "docker" ? new DockerClient({ host: endpoint, env: {} }) : new ContainerdClient({ socket: endpoint });
const watcher = new Watcher(client);
const watching = watcher.watch();
const subscriber = (async () => {
  for await (const _ of watcher.events({ initial: true })) {
    // keep iterating until the watcher closes
  }
})();
await watcher.ready;
console.log(`synced ${watcher.portfolio.containerTotal}`);
await watcher.close();
await watching;
await subscriber;
console.log("closed");
