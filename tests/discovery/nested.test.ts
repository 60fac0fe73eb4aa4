/**
 * Engines inside containers, against the recorded /proc tree in
 * fixtures/proc/nested (see its README): an inner containerd (host PID 210,
 * PID 7 in its namespace) in the outer container `outer` of a dockerd, whose
 * containers' PIDs are those of the inner namespace. Tested: PID translation
 * through NSpid (not fooled by the same numbers in a sibling container's
 * namespace), discovery's parent engine and container, the wrapped client's
 * host PIDs and labels, and the host watcher's merged view and containerOf.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { withParents } from "../../lib/discovery/nesting.ts";
import type { DiscoveredEngine } from "../../lib/discovery/types.ts";
import { HostWatcher } from "../../lib/host-watcher.ts";
import type { Container } from "../../lib/model/container.ts";
import { newContainer } from "../../lib/model/container.ts";
import {
  ENGINE_KEY_LABEL,
  OUTER_CONTAINER_ID_LABEL,
  OUTER_CONTAINER_NAME_LABEL,
  OUTER_ENGINE_LABEL,
} from "../../lib/model/labels.ts";
import { NestedEngineClient } from "../../lib/nested-engine.ts";
import { hostPids } from "../../lib/proc/pid-translation.ts";
import { ProcFs } from "../../lib/proc/procfs.ts";
import type { LifecycleEvent } from "../../lib/events.ts";
import { FakeEngine } from "../support/fake-engine.ts";

const PROC = fileURLToPath(new URL("../../fixtures/proc/nested", import.meta.url));
const proc = new ProcFs({ root: PROC });
const O = "o".repeat(64);
const T = "t".repeat(64);

function engine(key: string, pid: number, kind: string): DiscoveredEngine {
  return { key, kind, type: `${kind}.example`, api: `/run/${kind}.sock`, version: "1", id: "", pid, sources: [], alsoAt: [] };
}
const DOCKER = engine("docker/id:D@pid:100", 100, "docker");
const INNER = engine("containerd/socket:1:2", 210, "containerd");

/** The containers each engine reports, PIDs in its own namespace. */
const REPORTED: Record<string, Container[]> = {
  [DOCKER.key]: [newContainer({ id: O, name: "outer", pid: 200 }), newContainer({ id: T, name: "other", pid: 120 })],
  [INNER.key]: [newContainer({ id: "x", pid: 15, labels: { app: "x" } }), newContainer({ id: "y", pid: 20 })],
};

describe("PID translation through NSpid (fixture /proc)", () => {
  it("maps PIDs of the inner engine's namespace to host PIDs, also of namespaces nested in it", async () => {
    const map = await hostPids(proc, 210, [15, 20, 7, 16]);
    assert.deepEqual([...map].sort((a, b) => a[0] - b[0]), [[7, 210], [15, 230], [16, 231], [20, 240]]);
  });

  it("PIDs not in the inner namespace (a sibling container's, or gone) are missing", async () => {
    const map = await hostPids(proc, 210, [99, 1]);
    assert.deepEqual([...map], [[1, 200]]); // 1 is the outer container's init; 99 exists nowhere
  });

  it("an observer in the reader's namespace maps every PID to itself; a vanished observer maps none", async () => {
    assert.deepEqual([...(await hostPids(proc, 100, [5, 6]))], [[5, 5], [6, 6]]);
    assert.equal((await hostPids(proc, 4242, [15])).size, 0);
  });
});

describe("discovery tells engines inside containers (fixture /proc)", () => {
  const list = (listed: DiscoveredEngine[]) => (found: DiscoveredEngine) => {
    listed.push(found);
    return Promise.resolve(REPORTED[found.key] ?? []);
  };

  it("the inner containerd runs in the outer container of the dockerd; the dockerd in none", async () => {
    const { engines, notes } = await withParents([DOCKER, INNER], list([]), proc, 1_000);
    assert.deepEqual(notes, []);
    assert.deepEqual(engines.find((e) => e.key === INNER.key)?.parent, { engine: DOCKER.key, containerId: O, containerName: "outer" });
    assert.equal(engines.find((e) => e.key === DOCKER.key)?.parent, undefined);
  });

  it("lists no containers when every engine runs in the reader's namespaces", async () => {
    const listed: DiscoveredEngine[] = [];
    const { engines } = await withParents([DOCKER], list(listed), proc, 1_000);
    assert.deepEqual(listed, []);
    assert.deepEqual(engines, [DOCKER]);
  });

  it("an outer engine whose containers cannot be listed gives a note, and no parent", async () => {
    const failing = (found: DiscoveredEngine) =>
      found.key === DOCKER.key ? Promise.reject(new Error("connection refused")) : Promise.resolve(REPORTED[found.key] ?? []);
    const { engines, notes } = await withParents([DOCKER, INNER], failing, proc, 1_000);
    assert.equal(engines.find((e) => e.key === INNER.key)?.parent, undefined);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /containers of docker\/id:D@pid:100 could not be listed \(connection refused\)/);
  });
});

function innerEngine(): FakeEngine {
  const fake = new FakeEngine();
  for (const container of REPORTED[INNER.key]!) fake.startQuietly(container);
  return fake;
}

const PLACE = { pid: 210, key: INNER.key, outerEngine: DOCKER.key, containerId: O, containerName: "outer", procRoot: PROC };
const NESTING_LABELS = {
  [OUTER_CONTAINER_NAME_LABEL]: "outer",
  [OUTER_CONTAINER_ID_LABEL]: O,
  [OUTER_ENGINE_LABEL]: DOCKER.key,
  [ENGINE_KEY_LABEL]: INNER.key,
};

describe("NestedEngineClient (fixture /proc)", () => {
  it("lists and inspects the inner containers with host PIDs and the nesting labels", async () => {
    const client = new NestedEngineClient(innerEngine(), PLACE);
    const listed = await client.list();
    assert.deepEqual(listed.map((c) => [c.id, c.pid]), [["x", 230], ["y", 240]]);
    assert.deepEqual(listed[0]!.labels, { app: "x", ...NESTING_LABELS });
    const y = await client.inspect("y");
    assert.equal(y?.pid, 240);
    assert.deepEqual(y?.labels, NESTING_LABELS);
    assert.equal(client.pid, 210);
  });

  it("leaves out a container whose initial process is not found on the host", async () => {
    const fake = innerEngine();
    fake.startQuietly({ id: "gone", pid: 99 });
    const client = new NestedEngineClient(fake, PLACE);
    assert.deepEqual((await client.list()).map((c) => c.id), ["x", "y"]);
    assert.equal(await client.inspect("gone"), undefined);
  });

  it("an exit event carries the host PID of the instance seen, none when never seen", async () => {
    const fake = innerEngine();
    const client = new NestedEngineClient(fake, PLACE);
    await client.list();
    const abort = new AbortController();
    const stream = client.lifecycleEvents({ signal: abort.signal });
    const events = stream[Symbol.asyncIterator]();
    await stream.subscribed;
    void fake.emit({ type: "exited", id: "x", project: "", time: 1, pid: 15 });
    void fake.emit({ type: "exited", id: "z", project: "", time: 2, pid: 33 });
    const first = (await events.next()).value;
    const second = (await events.next()).value;
    abort.abort();
    assert.deepEqual(first, { type: "exited", id: "x", project: "", time: 1, pid: 230 });
    assert.deepEqual(second, { type: "exited", id: "z", project: "", time: 2 });
  });
});

describe("HostWatcher with an engine inside a container (fixture /proc)", () => {
  it("the merged view shows inner containers with host PIDs and labels; containerOf resolves their processes", { timeout: 20_000 }, async () => {
    const outer = new FakeEngine();
    for (const container of REPORTED[DOCKER.key]!) outer.startQuietly(container);
    const inner = innerEngine();
    const nestedInner: DiscoveredEngine = { ...INNER, parent: { engine: DOCKER.key, containerId: O, containerName: "outer" } };
    await using host = new HostWatcher({
      discover: () => Promise.resolve([DOCKER, nestedInner]),
      create: (found) => found.key === DOCKER.key ? outer : inner,
      rescanInterval: 0,
      procRoot: PROC,
    });
    const events = host.events()[Symbol.asyncIterator]();
    await host.rescan();
    const started = new Map<string, LifecycleEvent>();
    while (started.size < 4) {
      const next = await events.next();
      assert.ok(!next.done);
      if (next.value.type === "container") started.set(next.value.event.container.id, next.value.event);
    }
    const innerView = host.engines().find((view) => view.engine.key === INNER.key)!;
    const containers = [...innerView.portfolio.allContainers()].sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(containers.map((c) => [c.id, c.pid]), [["x", 230], ["y", 240]]);
    assert.deepEqual(containers[1]!.labels, NESTING_LABELS);
    assert.equal(started.get("x")?.container.pid, 230);
    assert.equal((await host.containerOf(231))?.container.id, "x"); // a child of the inner container's init
    assert.equal((await host.containerOf(240))?.container.id, "y");
    assert.equal((await host.containerOf(220))?.container.id, O); // the inner shim: in the outer container
  });
});

describe("HostWatcher learning an engine's parent in a later scan (fixture /proc)", () => {
  it("watches the inner engine anew, wrapped: parent, host PIDs, labels, containerOf", { timeout: 20_000 }, async () => {
    // Each scan tells parents among the engines it found: the dockerd is found only by the second scan.
    let found: DiscoveredEngine[] = [INNER];
    const list = (engine: DiscoveredEngine) => Promise.resolve(REPORTED[engine.key] ?? []);
    await using host = new HostWatcher({
      discover: async () => (await withParents(found, list, proc, 1_000)).engines,
      create: (engine) => {
        const fake = new FakeEngine();
        for (const container of REPORTED[engine.key]!) fake.startQuietly(container);
        return fake;
      },
      rescanInterval: 0,
      procRoot: PROC,
    });
    const innerView = () => host.engines().find((view) => view.engine.key === INNER.key)!;
    const pids = async () => {
      await innerView().ready;
      return [...innerView().portfolio.allContainers()].map((c) => [c.id, c.pid]).sort();
    };
    await host.rescan();
    assert.equal(innerView().engine.parent, undefined);
    assert.deepEqual(await pids(), [["x", 15], ["y", 20]], "alone, the inner engine's own PIDs");

    found = [DOCKER, INNER];
    await host.rescan();
    assert.deepEqual(innerView().engine.parent, { engine: DOCKER.key, containerId: O, containerName: "outer" });
    assert.deepEqual(await pids(), [["x", 230], ["y", 240]]);
    assert.deepEqual(innerView().portfolio.container("y")?.labels, NESTING_LABELS);
    assert.equal((await host.containerOf(231))?.container.id, "x");
    assert.equal(host.engines().length, 2);
  });
});
