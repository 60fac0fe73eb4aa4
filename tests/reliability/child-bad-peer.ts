/**
 * Run as a child process by `bad-peers.test.ts`: watches the socket given
 * with one engine client, or with the host watcher, until told to close.
 * Prints `tried <what>` once the first attempt failed (the watcher's first
 * warning) or `ready` settled; on a `close` line on standard input closes
 * and prints `closed`. It then returns: once the test ends standard input,
 * the process must exit on its own (no handle left open).
 *
 * Usage: child-bad-peer.ts docker|podman|containerd|cri|host SOCKET
 */
import type { EngineClient } from "../../lib/engine.ts";
import { Watcher, type WatcherLogger } from "../../lib/watcher.ts";
import { hostWatcher } from "../../engines/host.ts";
import { engineKind } from "../../engines/registry.ts";

const [client, socket] = process.argv.slice(2);
if (client === undefined || socket === undefined) throw new Error("usage: child-bad-peer.ts docker|podman|containerd|cri|host SOCKET");

let tried = false;
const report = (what: string): void => {
  if (tried) return;
  tried = true;
  console.log(`tried ${what}`);
};
const logger: WatcherLogger = { debug() {}, warn: (message) => report(message.split("\n")[0]!) };

/** The endpoint of `kind` at the socket, in the form its `create` takes. */
function endpointOf(kind: string): string {
  return kind === "docker" || kind === "podman" ? `unix://${socket}` : socket!;
}

async function open(): Promise<{ close(): Promise<void> }> {
  if (client === "host") {
    // The engine was found at the socket; what answers there now is the bad peer.
    const engine = { key: "docker/endpoint:bad", kind: "docker", type: "docker.com", api: endpointOf("docker"), version: "", id: "", pid: 0, sources: [], alsoAt: [] };
    const host = hostWatcher({ discover: () => Promise.resolve([engine]), rescanInterval: 0, watcher: { logger } });
    await host.rescan();
    for (const view of host.engines()) view.ready.then(() => report("ready"), (error: Error) => report(`ready rejected: ${error.name}`));
    return host;
  }
  const kind = engineKind(client!);
  if (kind === undefined) throw new Error(`no engine kind ${client}`);
  const engine: EngineClient = await kind.create(endpointOf(client!), {});
  const watcher = new Watcher(engine, { logger });
  void watcher.watch();
  watcher.ready.then(() => report("ready"), (error: Error) => report(`ready rejected: ${error.name}`));
  return watcher;
}

const watching = await open();
await new Promise<void>((resolve) => {
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    if (chunk.includes("close")) resolve();
  });
});
await watching.close();
console.log("closed");
