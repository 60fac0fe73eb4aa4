/**
 * A Watcher on a CriClient behind the fault proxy, in front of the real CRI
 * containerd (WW_TEST_CRI): for each fault (outage, a cut or truncated
 * connection, a stalled connection, garbage in the HTTP/2 stream) the
 * runtime changes meanwhile (one container stopped, one started, through a
 * direct admin connection); afterwards the portfolio equals the runtime's
 * truth and the subscriber got exactly the missed transitions. Where the
 * fault breaks the connection, the watcher saw a typed error and resynced.
 * containerd 1.6 has no CRI events: the relist and the resync are what
 * correct the picture.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { CriClient } from "../../engines/cri/mod.ts";
import { EngineError } from "../../lib/errors.ts";
import { Watcher } from "../../lib/watcher.ts";
import { CriAdmin } from "../cri/admin.ts";
import type { TestPod } from "../cri/admin.ts";
import { criEngine, READ_ONLY_CRI_METHODS } from "../support/engines.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { GARBAGE } from "./faults.ts";
import { EventLog, line, settle, SETTLE_TIMEOUT_MS, TEST_BACKOFF, transitionsSince, waitUntil } from "./support.ts";
import type { Keep } from "./support.ts";

const { endpoint, skip } = criEngine();
const socket = endpoint ?? "";

const RELIST_INTERVAL_MS = 1_000;
/** Short, so that a stalled or garbled connection is noticed within the test. */
const TIMINGS = { requestTimeoutMs: 3_000, pingIntervalMs: 1_000, pingTimeoutMs: 1_000, handshakeTimeoutMs: 3_000 };

interface CriFault {
  readonly name: string;
  /** Injects the fault; returns what releases it (after the runtime changed). */
  inject(proxy: FaultProxy): Promise<() => Promise<void>>;
}

const connections = (proxy: FaultProxy) => waitUntil("a live gRPC connection", () => proxy.connections.length > 0 && proxy.connections);
const nothing = async (): Promise<void> => {};

describe("Watcher + CriClient through the fault proxy against the real CRI containerd", { skip }, () => {
  const ns = `rel${process.pid}`;
  const keep: Keep = (c) => c.project.startsWith(`${ns}/`);
  let admin: CriAdmin;
  let proxy: FaultProxy;
  let client: CriClient;
  let watcher: Watcher;
  let watching: Promise<void>;
  let log: EventLog;
  let pod: TestPod;
  const alive: string[] = [];
  const names = new Map<string, string>();
  const calls: string[] = [];
  const errors: unknown[] = [];
  let syncs = 0;
  let serial = 0;

  const truth = async (): Promise<string[]> => (await admin.alive(ns)).map(line).sort();
  const settled = (context: string): Promise<string[]> => settle(watcher, log, { truth, keep }, context);
  const startOne = async (): Promise<string> => {
    const name = `c${serial++}`;
    const id = await admin.runContainer(pod, name, ["/bin/sleep", "1000"]);
    names.set(id, `${ns}/rel/${name}`);
    return id;
  };

  before(async () => {
    admin = new CriAdmin(socket);
    proxy = await FaultProxy.start(socket);
    pod = await admin.runPod(ns, "rel");
    for (let i = 0; i < 2; i++) alive.push(await startOne());
    client = new CriClient({ socket: proxy.socketPath, relistIntervalMs: RELIST_INTERVAL_MS, ...TIMINGS, onCall: (m) => calls.push(m) });
    const logger = {
      debug: (message: string) => void (message.includes(": synced with ") && syncs++),
      warn: (_message: string, error?: unknown) => void errors.push(error),
    };
    watcher = new Watcher(client, { backoff: TEST_BACKOFF, logger });
    watching = watcher.watch();
    await watcher.ready;
    log = new EventLog(watcher);
    await settled("initial sync");
    assert.equal(client.mode, "relist-only");
  });
  after(async () => {
    await watcher?.close();
    await watching;
    await log?.close();
    await proxy?.close();
    await admin?.removePods(ns);
    admin?.close();
  });

  const faults: Array<CriFault & { readonly breaks: boolean }> = [
    {
      name: "outage: every connection cut, new ones refused while the runtime changes; corrected by the resync",
      breaks: true,
      inject: async (p) => {
        const accepted = p.accepted;
        p.refuse(600_000);
        p.cutAll();
        return async () => {
          // The next relist found the runtime unreachable (otherwise the relist after the release alone corrects it).
          await p.waitForAccepted(accepted + 1);
          p.refuse(0);
        };
      },
    },
    {
      name: "connection cut after its next byte",
      breaks: true,
      inject: async (p) => {
        for (const connection of await connections(p)) connection.cutAfter(1);
        return nothing;
      },
    },
    {
      name: "next chunk truncated mid-way, then closed",
      breaks: true,
      inject: async (p) => {
        for (const connection of await connections(p)) connection.truncateNext();
        return nothing;
      },
    },
    {
      name: "connection stalled past the request deadline: a typed error, then a resync",
      breaks: true,
      inject: async (p) => {
        const before = errors.length;
        p.stallAll(600_000);
        return async () => {
          await waitUntil("an error from the stalled connection", () => errors.length > before);
          for (const connection of p.connections) connection.resume();
        };
      },
    },
    {
      name: "garbage injected into the HTTP/2 connection: a typed error, session replaced",
      breaks: true,
      inject: async (p) => {
        for (const connection of await connections(p)) connection.inject(GARBAGE);
        return nothing;
      },
    },
  ];

  for (const fault of faults) {
    it(fault.name, { timeout: SETTLE_TIMEOUT_MS * 3 }, async () => {
      const mark = log.events.length;
      const faultsBefore = proxy.faults;
      const syncsBefore = syncs;
      const errorsBefore = errors.length;
      const release = await fault.inject(proxy);
      const victim = alive.shift()!;
      await admin.stopContainer(victim);
      const newcomer = await startOne();
      alive.push(newcomer);
      await release();
      await settled(fault.name);

      assert.ok(proxy.faults > faultsBefore, "the fault took effect");
      assert.deepEqual(
        transitionsSince(log, mark, keep),
        [`exited ${names.get(victim)}`, `started ${names.get(newcomer)}`].sort(),
        "exactly the missed transitions, each once",
      );
      const exit = log.events.slice(mark).find((e) => e.type === "exited" && e.container.id === victim)!;
      assert.equal(exit.exit?.code, 137, "the exit code of the stopped container");
      if (fault.breaks) {
        assert.ok(syncs > syncsBefore, "a resync followed");
        const typed = errors.slice(errorsBefore);
        const untyped = typed.filter((e) => !(e instanceof EngineError));
        assert.ok(typed.length > 0, "the watcher saw the connection fail");
        assert.deepEqual(untyped.map((e) => (e instanceof Error ? e.stack : String(e))), [], "every error typed");
      }
    });
  }

  it("made only read-only calls through all of it", () => {
    assert.ok(calls.length > 0);
    for (const method of new Set(calls)) assert.ok(READ_ONLY_CRI_METHODS.has(method), `read-only: ${method}`);
  });
});
