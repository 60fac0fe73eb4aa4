/**
 * One runtime's side of bench/scale.bench.ts, against the fake dockerd of
 * bench/support/fake-docker-server.ts. Modes (argv: MODE HOST ARG):
 *
 * - `sync HOST ROUNDS`: the initial sync of every container, four ways, each
 *   ROUNDS times interleaved: `DockerClient.list()` (concurrency 8), the same
 *   requests raw (bench/support/raw-http.ts), the Go reference's algorithm
 *   (list, then one inspect after the other: the client with concurrency 1)
 *   and the raw requests serially. Prints the medians (ms) as JSON.
 * - `watch HOST EVENTS`: a Watcher with one subscriber; prints
 *   `{"readyMs": …}` once synced, then counts the lifecycle events the
 *   subscriber receives until EVENTS arrived or none came for 5 s, and prints
 *   the count, the time from the first to the last and this process's peak
 *   resident memory.
 * - `raw-events HOST EVENTS`: the floor of the storm: a raw `/events` stream
 *   whose lines are counted, no decoding; prints like `watch`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { DockerClient } from "../../engines/docker/mod.ts";
import { Watcher } from "../../lib/watcher.ts";
import { rawGetter, rawStream, rawSync } from "./raw-http.ts";

const [mode = "", host = "", arg = "0"] = process.argv.slice(2);
const socketPath = host.replace(/^unix:\/\//, "");
const IDLE_END_MS = 5000;

function peakMb(): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return (Number(kb) * 1024) / 1e6;
}

const medianOf = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function syncMode(rounds: number): Promise<void> {
  const concurrent = new DockerClient({ host, env: {} });
  const serial = new DockerClient({ host, env: {}, concurrency: 1 });
  const apiVersion = await concurrent.apiVersion();
  await serial.apiVersion();
  const raw = await rawGetter(socketPath);
  const listPath = `/v${apiVersion}/containers/json?filters=${encodeURIComponent(JSON.stringify({ status: ["running", "paused"] }))}`;
  const ids = (JSON.parse(new TextDecoder().decode(await raw.get(listPath))) as Array<{ Id: string }>).map((c) => c.Id);
  const paths = ids.map((id) => `/v${apiVersion}/containers/${id}/json`);
  const variants: Array<[string, () => Promise<unknown>]> = [
    ["client", () => concurrent.list()],
    ["raw", () => rawSync(raw.get, listPath, paths, 8)],
    ["serialClient", () => serial.list()],
    ["serialRaw", () => rawSync(raw.get, listPath, paths, 1)],
  ];
  for (const [, run] of variants) await run(); // warm-up
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of round % 2 ? [...variants].reverse() : variants) {
      const start = performance.now();
      await run();
      times.get(name)!.push(performance.now() - start);
    }
  }
  const listed = (await concurrent.list()).length;
  console.log(JSON.stringify({ listed, ...Object.fromEntries([...times].map(([name, t]) => [name, medianOf(t)])) }));
  await Promise.all([concurrent.close(), serial.close(), raw.close()]);
}

/** Counts what `arrivals` yields until `expected` items or an idle gap; prints the figures. */
async function count(arrivals: AsyncIterable<number>, expected: number): Promise<void> {
  let delivered = 0;
  let first = 0;
  let last = 0;
  const iterator = arrivals[Symbol.asyncIterator]();
  while (delivered < expected) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<"idle">((resolve) => (timer = setTimeout(() => resolve("idle"), IDLE_END_MS)));
    const next = await Promise.race([iterator.next(), idle]);
    clearTimeout(timer);
    if (next === "idle" || next.done) break;
    if (delivered === 0) first = performance.now();
    delivered += next.value;
    last = performance.now();
  }
  // No iterator.return(): it would wait for the pending next(), which an idle stream never settles; the caller aborts.
  console.log(JSON.stringify({ delivered, ms: last - first, peakMb: peakMb() }));
}

async function watchMode(expected: number): Promise<void> {
  const start = performance.now();
  const watcher = new Watcher(new DockerClient({ host, env: {} }));
  const watching = watcher.watch();
  const stop = new AbortController();
  const events = watcher.events({ signal: stop.signal, buffer: expected + 1 });
  await watcher.ready;
  console.log(JSON.stringify({ readyMs: performance.now() - start, containers: [...watcher.portfolio.allContainers()].length }));
  await count((async function* () {
    for await (const _ of events) yield 1;
  })(), expected);
  stop.abort();
  await watcher.close();
  await watching;
}

async function rawEventsMode(expected: number): Promise<void> {
  const stop = new AbortController();
  const filters = encodeURIComponent(JSON.stringify({ type: ["container"] }));
  const stream = rawStream(socketPath, `/v1.41/events?filters=${filters}`, stop.signal);
  // The request goes out on the first pull: start it before saying ready.
  const pending = stream.next();
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(JSON.stringify({ readyMs: 0 }));
  await count((async function* () {
    const lines = (chunk: Uint8Array): number => {
      let n = 0;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
      return n;
    };
    const first = await pending;
    if (!first.done) yield lines(first.value);
    for await (const chunk of stream) yield lines(chunk);
  })(), expected);
  stop.abort();
}

if (mode === "sync") await syncMode(Number(arg));
else if (mode === "watch") await watchMode(Number(arg));
else if (mode === "raw-events") await rawEventsMode(Number(arg));
else throw new Error(`unknown mode ${mode}`);
process.exit(0);
