/**
 * ContainerLocator against the hand-made /proc tree in
 * fixtures/proc/containers (see its README): every rule — init, PID
 * namespace (exec'd processes, children, containers sharing a namespace),
 * ancestry (host-PID-namespace containers), cgroup — and the processes that
 * belong to no container. On a writable tree: what the locator remembers of
 * a process's walk, and every change that must make it ask again.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ContainerSource, ContainerLocator } from "../../lib/container-of.ts";
import { ProcAccessError } from "../../lib/proc/procfs.ts";
import { newContainer } from "../../lib/model/container.ts";
import { Portfolio } from "../../lib/model/portfolio.ts";
import { type ProcEntry, writeProcEntry } from "../support/proc-tree.ts";

const PROC = fileURLToPath(new URL("../../fixtures/proc/containers", import.meta.url));
const ENGINE = { type: "example.org", api: "unix:///run/example.sock", id: "E1" };
const OTHER = { type: "other.org", api: "/run/other.sock", id: "" };
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

function source(identity: typeof ENGINE, ...containers: Array<{ id: string; name: string; pid: number }>): ContainerSource {
  const portfolio = new Portfolio();
  for (const c of containers) portfolio.add(newContainer(c));
  return { portfolio, identity };
}

/** The fixture's containers: A (own PID namespace, init 501), B (host namespace, init 600) on one engine, C (init 900, not in the tree) on another. */
function fixtureSources(): ContainerSource[] {
  return [
    source(ENGINE, { id: A, name: "alpha", pid: 501 }, { id: B, name: "bravo", pid: 600 }),
    source(OTHER, { id: C, name: "charlie", pid: 900 }),
  ];
}

async function owner(locator: ContainerLocator, pid: number): Promise<string> {
  const found = await locator.containerOf(pid);
  return found === undefined ? "none" : `${found.container.name} ${found.engine.type} ${found.match}`;
}

describe("ContainerLocator on a fixture /proc", () => {
  const locator = new ContainerLocator(fixtureSources, { procRoot: PROC });

  it("a container's initial process belongs to it", async () => {
    assert.equal(await owner(locator, 501), "alpha example.org init");
    assert.equal(await owner(locator, 600), "bravo example.org init");
  });

  it("a child of the initial process and an exec'd process (a child of the shim) belong by PID namespace", async () => {
    assert.equal(await owner(locator, 502), "alpha example.org pid-namespace");
    assert.equal(await owner(locator, 510), "alpha example.org pid-namespace");
  });

  it("a process in a namespace nested inside a container's belongs to it by ancestry", async () => {
    assert.equal(await owner(locator, 520), "alpha example.org ancestry");
  });

  it("a child of a container sharing the host's PID namespace belongs by ancestry, not by namespace", async () => {
    assert.equal(await owner(locator, 601), "bravo example.org ancestry");
  });

  it("a process whose cgroup path names a container's ID belongs to it, with that container's engine", async () => {
    assert.equal(await owner(locator, 800), "charlie other.org cgroup");
  });

  it("host processes, the shim and processes that are gone belong to no container", async () => {
    assert.equal(await owner(locator, 700), "none");
    assert.equal(await owner(locator, 500), "none");
    assert.equal(await owner(locator, 1), "none");
    assert.equal(await owner(locator, 4242), "none");
  });

  it("answers from the containers alive at the time of the lookup", async () => {
    let sources = fixtureSources();
    const live = new ContainerLocator(() => sources, { procRoot: PROC });
    assert.equal(await owner(live, 510), "alpha example.org pid-namespace");
    sources = [source(ENGINE, { id: B, name: "bravo", pid: 600 })];
    assert.equal(await owner(live, 510), "none");
    assert.equal(await owner(live, 502), "none");
    sources = [source(OTHER, { id: "renamed", name: "alpha-again", pid: 501 })];
    assert.equal(await owner(live, 510), "alpha-again other.org pid-namespace");
  });

  it("with several containers in one PID namespace, the one whose init is an ancestor wins, else the namespace's PID 1", async () => {
    // 502 (a child of 501, NSpid … 2) taken as a second container's init in A's namespace.
    const shared = new ContainerLocator(
      () => [source(ENGINE, { id: "side", name: "sidecar", pid: 502 }, { id: A, name: "alpha", pid: 501 })],
      { procRoot: PROC },
    );
    assert.equal(await owner(shared, 510), "alpha example.org pid-namespace"); // exec'd: no ancestor, PID 1 wins
    const sideFirst = new ContainerLocator(
      () => [source(ENGINE, { id: "side", name: "sidecar", pid: 502 })],
      { procRoot: PROC },
    );
    assert.equal(await owner(sideFirst, 510), "sidecar example.org pid-namespace");
  });

  it("gives up after maxAncestry ancestors", async () => {
    const shallow = new ContainerLocator(fixtureSources, { procRoot: PROC, maxAncestry: 1 });
    assert.equal(await owner(shallow, 601), "bravo example.org ancestry"); // the parent is the init
    // 520's parent (502) is not an init; with one step allowed, the cgroup rule answers instead.
    assert.equal(await owner(shallow, 520), "alpha example.org cgroup");
  });
});

describe("ContainerLocator remembering a process's walk (a writable /proc tree)", () => {
  const HOST = 4026531836;
  const NS_A = HOST + 1;
  const D = "d".repeat(64);
  const root = mkdtempSync(join(tmpdir(), "ww-proc-tree-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const entries: ProcEntry[] = [
    { pid: 1, ppid: 0, ns: HOST, cgroup: "/init.scope" },
    { pid: 10, ppid: 1, ns: HOST, cgroup: "/system.slice/shim.service" },
    { pid: 11, ppid: 10, ns: NS_A, nspid: [11, 1], cgroup: `/system.slice/docker-${A}.scope` }, // alpha's init
    { pid: 12, ppid: 11, ns: NS_A, nspid: [12, 2], cgroup: `/system.slice/docker-${A}.scope` },
    { pid: 20, ppid: 10, ns: HOST, cgroup: "/bravo" }, // bravo's init, host PID namespace
    { pid: 21, ppid: 20, ns: HOST, cgroup: "/bravo-child" },
    { pid: 22, ppid: 21, ns: HOST, cgroup: "/bravo-child" },
    { pid: 30, ppid: 1, ns: HOST, cgroup: "/user.slice" },
    { pid: 31, ppid: 1, ns: HOST, cgroup: "/user.slice" },
    { pid: 32, ppid: 1, ns: HOST, cgroup: "/user.slice" },
    { pid: 40, ppid: 41, ns: HOST, cgroup: "/user.slice" },
    { pid: 41, ppid: 1, ns: HOST, cgroup: "/user.slice" },
    { pid: 50, ppid: 1, ns: HOST, cgroup: "/user.slice" },
    { pid: 51, ppid: 50, ns: HOST, cgroup: "/user.slice" },
    { pid: 52, ppid: 51, ns: HOST, cgroup: "/user.slice" },
  ];
  for (const entry of entries) writeProcEntry(root, entry);
  symlinkSync("1", join(root, "self"));
  const entry = (pid: number): ProcEntry => entries.find((e) => e.pid === pid)!;
  const containers = () => [
    source(ENGINE, { id: A, name: "alpha", pid: 11 }, { id: B, name: "bravo", pid: 20 }),
    source(OTHER, { id: C, name: "charlie", pid: 900 }),
  ];
  const alive = containers(); // the same portfolios for every lookup: what is remembered stays
  const locator = new ContainerLocator(() => alive, { procRoot: root });

  it("a remembered answer is not read again", async () => {
    assert.equal(await owner(locator, 12), "alpha example.org pid-namespace");
    rmSync(join(root, "12", "ns", "pid")); // read again, the namespace rule would no longer answer
    assert.equal(await owner(locator, 12), "alpha example.org pid-namespace");
    assert.equal(await owner(new ContainerLocator(containers, { procRoot: root }), 12), "alpha example.org ancestry");
  });

  it("a PID taken by a new process (another start time) is asked anew", async () => {
    assert.equal(await owner(locator, 30), "none");
    writeProcEntry(root, { ...entry(30), ns: NS_A, nspid: [30, 3], starttime: 9_000 }); // the same parent
    assert.equal(await owner(locator, 30), "alpha example.org pid-namespace");
  });

  it("a process under another parent is asked anew", async () => {
    assert.equal(await owner(locator, 31), "none");
    writeProcEntry(root, { ...entry(31), ppid: 20 });
    assert.equal(await owner(locator, 31), "bravo example.org ancestry");
  });

  it("an ancestry answer is not remembered: an ancestor reparented above the init undoes it", async () => {
    assert.equal(await owner(locator, 22), "bravo example.org ancestry");
    writeProcEntry(root, { ...entry(21), ppid: 1 });
    assert.equal(await owner(locator, 22), "none");
  });

  it("an ancestor remembered to have no container ancestor ends a descendant's walk (the ancestry above it is not read)", async () => {
    assert.equal(await owner(locator, 51), "none");
    // Read again, 50's new parent would make 52 bravo's by ancestry; 51's remembered walk (same start time,
    // same parent) says nothing above it is a container's init, so the walk stops there.
    writeProcEntry(root, { ...entry(50), ppid: 20 });
    assert.equal(await owner(locator, 52), "none");
    assert.equal(await owner(new ContainerLocator(containers, { procRoot: root }), 52), "bravo example.org ancestry");
  });

  it("the cgroup is read every time: a process moved into a container's cgroup belongs to it", async () => {
    assert.equal(await owner(locator, 32), "none");
    writeProcEntry(root, { ...entry(32), cgroup: `/system.slice/docker-${C}.scope` });
    assert.equal(await owner(locator, 32), "charlie other.org cgroup");
  });

  it("nothing is remembered across a change of the alive containers", async () => {
    let sources = containers();
    const live = new ContainerLocator(() => sources, { procRoot: root });
    assert.equal(await owner(live, 40), "none");
    sources = [...containers(), source(OTHER, { id: D, name: "delta", pid: 41 })];
    assert.equal(await owner(live, 40), "delta other.org ancestry");
  });
});

describe("ContainerLocator reading a host process's ancestry only when a container may be above it", () => {
  const HOST = 4026531836;
  const root = mkdtempSync(join(tmpdir(), "ww-proc-ancestry-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  for (const entry of [
    { pid: 1, ppid: 0, ns: HOST, cgroup: "/init.scope" },
    { pid: 10, ppid: 1, ns: HOST, cgroup: "/system.slice/shim.service" },
    { pid: 11, ppid: 10, ns: HOST + 1, nspid: [11, 1], cgroup: "/alpha" }, // alpha's init, own PID namespace
    { pid: 20, ppid: 1, ns: HOST, cgroup: "/user.slice" },
    { pid: 21, ppid: 20, ns: HOST, cgroup: "/user.slice" },
    { pid: 30, ppid: 10, ns: HOST, cgroup: "/bravo" }, // bravo's init, in the host's PID namespace
    { pid: 40, ppid: 10, ns: HOST + 2, nspid: [40, 1], cgroup: "/charlie" }, // charlie's init
  ] satisfies ProcEntry[]) {
    writeProcEntry(root, entry);
  }
  symlinkSync("1", join(root, "self"));
  // 21's parent may not be read at all: a read of its stat fails (a directory), so a lookup of 21 that
  // walks its ancestry rejects, and one that does not answers.
  rmSync(join(root, "20", "stat"));
  mkdirSync(join(root, "20", "stat"));
  rmSync(join(root, "40", "ns", "pid")); // charlie's namespace is not known
  const alpha = { id: A, name: "alpha", pid: 11 };
  /** The failure of reading 20's stat: a directory, not a denied read. */
  const isDirectoryRead = (error: unknown) => !(error instanceof ProcAccessError) && (error as { code?: unknown }).code === "EISDIR";
  const locate = (...containers: Array<{ id: string; name: string; pid: number }>) =>
    new ContainerLocator(() => [source(ENGINE, ...containers)], { procRoot: root }).containerOf(21);

  it("with every alive container in a PID namespace of its own, a host process's ancestry is not read", async () => {
    assert.equal(await locate(alpha), undefined);
  });

  it("with an alive container in the host's PID namespace, it is", async () => {
    await assert.rejects(locate(alpha, { id: B, name: "bravo", pid: 30 }), isDirectoryRead);
  });

  it("with an alive container whose namespace is not known, it is", async () => {
    await assert.rejects(locate(alpha, { id: C, name: "charlie", pid: 40 }), isDirectoryRead);
  });

  it("when this process is not in the /proc's outermost PID namespace (the namespaces above are not known), it is", async () => {
    writeFileSync(join(root, "1", "status"), "Name:\tinit\nUid:\t0\t0\t0\t0\nNSpid:\t1\t7\n"); // self -> 1
    await assert.rejects(locate(alpha), isDirectoryRead);
  });
});
