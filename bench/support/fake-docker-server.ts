/**
 * A fake dockerd for bench/scale.bench.ts, in a process of its own so that
 * it does not share the client's event loop: tests/support/fake-docker.ts on
 * a unix socket, serving N containers whose list entries and inspect bodies
 * are the recorded ones in bench/fixtures (dockerd 20.10) with each
 * container's ID, name and PID put in.
 *
 * Prints `{"host": "unix://…"}` once listening; then, per stdin line,
 * `storm E` emits E container events round robin over the containers, each
 * going through pause, unpause, die (exit 137) and start, and prints
 * `{"emitted": E, "ms": …}` once they are written; `quit` ends.
 *
 * Run: `node bench/support/fake-docker-server.ts [N]`
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { FakeDocker } from "../../tests/support/fake-docker.ts";

const count = Number(process.argv[2] ?? 10_000);
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;
const listEntry = fixture("docker-list-entry.json");
const inspect = fixture("docker-inspect.json") as Record<string, unknown> & { State: Record<string, unknown> };

/** The container IDs, 64 hex digits like dockerd's. */
export function fakeId(i: number): string {
  return i.toString(16).padStart(64, "0");
}

const encoder = new TextEncoder();
const ids = Array.from({ length: count }, (_, i) => fakeId(i + 1));
const list = encoder.encode(JSON.stringify(ids.map((id, i) => ({ ...listEntry, Id: id, Names: [`/bench-${i}`] }))));
const bodies = new Map(ids.map((id, i) => [
  id,
  encoder.encode(JSON.stringify({ ...inspect, Id: id, Name: `/bench-${i}`, State: { ...inspect.State, Pid: 100_000 + i } })),
]));
const fake = await new FakeDocker({ list, inspect: bodies, events: new Uint8Array() }).listen();
console.log(JSON.stringify({ host: fake.host, containers: count }));

const ACTIONS = ["pause", "unpause", "die", "start"] as const;

async function storm(events: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    const action = ACTIONS[i % 4]!;
    const id = ids[Math.floor(i / 4) % ids.length]!;
    fake.emit({ Type: "container", Action: action, Actor: { ID: id, Attributes: action === "die" ? { exitCode: "137" } : {} } });
    // Let the socket drain now and then instead of queueing the whole storm in memory.
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  return performance.now() - start;
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.trim().split(" ");
  if (command === "storm") console.log(JSON.stringify({ emitted: Number(arg), ms: await storm(Number(arg)) }));
  else if (command === "quit") break;
}
await fake.close();
process.exit(0);
