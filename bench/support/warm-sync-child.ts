/**
 * One runtime's side of bench/warm-sync.bench.ts, driven line by line over
 * stdin so that the parent can interleave the runtimes round by round:
 * `warm N` runs N unmeasured rounds, `round` measures one and prints its
 * figures as a JSON line ({@linkcode RoundFigures}), `quit` ends.
 *
 * Run: `RUNTIME bench/support/warm-sync-child.ts unix:///…/docker.sock`
 *
 * @module
 */

import { createInterface } from "node:readline";
import { DockerClient } from "../../engines/docker/mod.ts";
import { Watcher } from "../../lib/watcher.ts";
import { rawGetter, rawSync } from "./raw-http.ts";

/** What one measured round reports (ms). */
export interface RoundFigures {
  /** A new watcher (new client, new connections): `watch()` until `ready`. */
  ready: number;
  /** `DockerClient.list()` on a warm client. */
  list: number;
  /** The same requests raw (see raw-http.ts). */
  raw: number;
  /** CPU time of this process during `list` / `raw`. */
  listCpu: number;
  rawCpu: number;
}

const host = process.argv[2] ?? "";
const socketPath = host.replace(/^unix:\/\//, "");
const client = new DockerClient({ host, env: {} });
const apiVersion = await client.apiVersion();
const raw = await rawGetter(socketPath);
const listPath = `/v${apiVersion}/containers/json?filters=${encodeURIComponent(JSON.stringify({ status: ["running", "paused"] }))}`;
const ids = (JSON.parse(new TextDecoder().decode(await raw.get(listPath))) as Array<{ Id: string }>).map((c) => c.Id);
const inspectPaths = ids.map((id) => `/v${apiVersion}/containers/${id}/json`);

async function startToReady(): Promise<number> {
  const start = performance.now();
  const watcher = new Watcher(new DockerClient({ host, env: {} }));
  const watching = watcher.watch();
  await watcher.ready;
  const elapsed = performance.now() - start;
  await watcher.close();
  await watching;
  return elapsed;
}

async function timed(run: () => Promise<unknown>): Promise<[number, number]> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return [wall, (used.user + used.system) / 1000];
}

let rounds = 0;
async function round(): Promise<RoundFigures> {
  // Alternate the order so that neither variant always runs right after the other.
  const flip = rounds++ % 2 === 1;
  const list = () => timed(() => client.list());
  const plain = () => timed(() => rawSync(raw.get, listPath, inspectPaths, 8));
  const ready = await startToReady();
  const [first, second] = flip ? [await plain(), await list()] : [await list(), await plain()];
  const [[listMs, listCpu], [rawMs, rawCpu]] = flip ? [second, first] : [first, second];
  return { ready, list: listMs, raw: rawMs, listCpu, rawCpu };
}

console.log(JSON.stringify({ ready: true, containers: ids.length }));
for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(" ");
  if (command === "warm") {
    for (let i = 0; i < Number(arg); i++) await round();
    console.log(JSON.stringify({ warmed: Number(arg) }));
  } else if (command === "round") {
    console.log(JSON.stringify(await round()));
  } else if (command === "quit") {
    break;
  }
}
await client.close();
await raw.close();
process.exit(0);
