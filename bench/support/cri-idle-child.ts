/**
 * One side of bench/cri.bench.ts's idle relist measurement, as a process of
 * its own so that its CPU time is its own: `client` runs a relist-only
 * `CriClient` event stream at the default interval, `raw` issues the same two
 * list calls through the bare generated client at the same interval. It
 * prints `ready` once running; each `read` line on stdin is answered with a
 * JSON line of its {@linkcode IdleReading} so far; `quit` (or the end of stdin)
 * ends it.
 *
 * Run: `RUNTIME bench/support/cri-idle-child.ts client|raw /…/cri.sock`
 *
 * @module
 */

import { createInterface } from "node:readline";
import { createClient } from "@connectrpc/connect";
import { CriClient, DEFAULT_RELIST_INTERVAL_MS } from "../../engines/cri/mod.ts";
import { ContainerState, PodSandboxState, RuntimeService } from "../../engines/cri/gen/runtime/v1/api_pb.ts";
import { sleep } from "../../lib/async/wait.ts";
import { createUnixGrpcTransport } from "../../lib/transport/grpc.ts";

/** Totals since the child started, read at once. */
export interface IdleReading {
  /** CPU time of this process (user + system), microseconds. */
  readonly cpuUs: number;
  /** ListContainers calls made (one per relist). */
  readonly lists: number;
  /** Changes the event stream announced (`client` only): the runtime was not idle (another user of it). */
  readonly changes: number;
}

const [variant = "", socket = ""] = process.argv.slice(2);
let lists = 0;
let changes = 0;
const countLists = (method: string): void => void (method.endsWith("/ListContainers") && lists++);
const stop = new AbortController();

/** The relist-only event stream (the runtime must have no CRI events: containerd 1.6). */
async function relisting(ready: () => void): Promise<void> {
  const client = new CriClient({ socket, onCall: countLists });
  const stream = client.lifecycleEvents({ signal: stop.signal });
  await stream.subscribed;
  if (client.mode !== "relist-only") throw new Error(`the bench needs a relist-only runtime, got ${client.mode}`);
  ready();
  for await (const _event of stream) changes++;
  await client.close();
}

/** The floor: the relist's two list calls, raw, at the same interval (answers only awaited). */
async function rawLists(ready: () => void): Promise<void> {
  const grpc = createUnixGrpcTransport({ socketPath: socket, onCall: countLists });
  const runtime = createClient(RuntimeService, grpc.transport);
  const once = () =>
    Promise.all([
      runtime.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }),
      runtime.listPodSandbox({ filter: { state: { state: PodSandboxState.SANDBOX_READY } } }),
    ]);
  await once(); // the baseline, as the stream takes it
  ready();
  try {
    for (;;) {
      await sleep(DEFAULT_RELIST_INTERVAL_MS, stop.signal);
      await once();
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  } finally {
    grpc.close();
  }
}

if (variant !== "client" && variant !== "raw") throw new Error(`usage: cri-idle-child.ts client|raw SOCKET, got ${variant}`);
const running = (variant === "client" ? relisting : rawLists)(() => console.log("ready"));
const input = createInterface({ input: process.stdin });
for await (const command of input) {
  if (command === "quit") break;
  const used = process.cpuUsage();
  const reading: IdleReading = { cpuUs: used.user + used.system, lists, changes };
  console.log(JSON.stringify(reading));
}
input.close();
stop.abort();
await running;
