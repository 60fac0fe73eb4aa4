/**
 * The fault scenarios shared by the Docker, containerd and CRI reliability
 * suites: a Watcher on a real engine behind the fault proxy; for each fault
 * kind, inject it, change the engine meanwhile (directly, not through the
 * proxy), release it, and check that the portfolio equals the engine's truth
 * and that the subscriber got exactly the missed transitions.
 *
 * @module
 */

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { EngineError } from "../../lib/errors.ts";
import { Watcher } from "../../lib/watcher.ts";
import { FaultProxy, type ProxyConnection } from "../support/fault-proxy.ts";
import type { FaultDriver } from "./drivers.ts";
import { EventLog, settle, SETTLE_TIMEOUT_MS, TEST_BACKOFF, transitionsSince } from "./support.ts";

/** A fault: injected before the engine changes, released after them. */
export interface Fault {
  /** What it does, for the test name. */
  readonly name: string;
  /** The fault leaves the watcher no way on but to reconnect and resync (the test asserts it did). */
  readonly reconnects?: boolean;
  /** Injects the fault; resolves a function that releases it (after the engine changes). */
  inject(proxy: FaultProxy, seen: ScenarioState): Promise<() => Promise<void>> | (() => Promise<void>);
}

/** What a fault may look at while it is in effect. */
export interface ScenarioState {
  /** The errors the watcher logged so far (its warnings' error arguments), in order. */
  readonly errors: readonly unknown[];
}

/** Options of {@linkcode faultScenarios}. */
export interface ScenarioOptions {
  /** Bound on the watcher's recovery from each fault; default {@linkcode SETTLE_TIMEOUT_MS}. */
  readonly settleTimeoutMs?: number;
  /** After each fault that reconnects: the watcher logged the failure, and every error it logged is an {@linkcode EngineError}. */
  readonly typedErrors?: boolean;
}

const nothingToRelease = async (): Promise<void> => {};

/** The connections that carry the event subscription (for HTTP/2: the one shared connection). */
export type StreamConnections = (proxy: FaultProxy) => Promise<ProxyConnection[]>;

/** Raw garbage: read as a frame header by HTTP/2, it announces a 14 MB frame of an unknown type. */
export const GARBAGE = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x0a]);

/** Injects `bytes` into the stream's connections. */
export function garbageFault(name: string, stream: StreamConnections, bytes: Uint8Array | string): Fault {
  return connectionFault(name, stream, (connection) => connection.inject(bytes));
}

/** Cuts the stream's connections after their next byte. */
export function cutFault(name: string, stream: StreamConnections): Fault {
  return connectionFault(name, stream, (connection) => connection.cutAfter(1));
}

/** Truncates the next chunk of the stream's connections mid-way, then closes them. */
export function truncateFault(name: string, stream: StreamConnections): Fault {
  return connectionFault(name, stream, (connection) => connection.truncateNext());
}

/** Cuts every connection and refuses new ones until `attempts` connection attempts were refused. */
export function refusedFault(name: string, attempts: number): Fault {
  return {
    name,
    reconnects: true,
    inject(proxy) {
      const accepted = proxy.accepted;
      proxy.refuse(600_000);
      proxy.cutAll();
      return async () => {
        await proxy.waitForAccepted(accepted + attempts);
        proxy.refuse(0);
      };
    },
  };
}

/** A fault that does `harm` to each of the stream's connections, with nothing to release. */
function connectionFault(name: string, stream: StreamConnections, harm: (connection: ProxyConnection) => void): Fault {
  return {
    name,
    reconnects: true,
    async inject(proxy) {
      for (const connection of await stream(proxy)) harm(connection);
      return nothingToRelease;
    },
  };
}

/** Faults every engine must survive. `stream` finds the connections carrying its event subscription. */
export function commonFaults(stream: StreamConnections): Fault[] {
  return [
    {
      name: "outage: every connection cut, new ones refused while the engine changes",
      reconnects: true,
      inject(proxy) {
        proxy.refuse(600_000);
        proxy.cutAll();
        return async () => proxy.refuse(0);
      },
    },
    refusedFault("refused reconnects: the watcher's retries are refused several times", 3),
    cutFault("stream cut mid-stream after its next byte", stream),
    truncateFault("stream's next chunk truncated mid-way, then closed", stream),
    {
      name: "every connection stalled while the engine changes",
      inject(proxy) {
        proxy.stallAll(600_000);
        return async () => {
          for (const connection of proxy.connections) connection.resume();
        };
      },
    },
    {
      name: "every response delayed",
      inject(proxy) {
        proxy.delayAll(300);
        return async () => {
          for (const connection of proxy.connections) connection.delay(0);
        };
      },
    },
  ];
}

/**
 * Registers the fault scenarios for one engine: one watcher across all
 * faults (recovering from one fault after another is part of the test).
 */
export function faultScenarios(
  title: string,
  skip: string | undefined,
  makeDriver: () => FaultDriver,
  engineSocket: string,
  faults: Fault[],
  options: ScenarioOptions = {},
): void {
  const settleTimeoutMs = options.settleTimeoutMs ?? SETTLE_TIMEOUT_MS;
  describe(title, () => {
    let driver: FaultDriver;
    let proxy: FaultProxy;
    let watcher: Watcher;
    let log: EventLog;
    let watching: Promise<void>;
    const alive: string[] = [];
    let frozen = "";
    let syncs = 0;
    const errors: unknown[] = [];
    before(async () => {
      if (skip) return;
      driver = makeDriver();
      proxy = await FaultProxy.start(engineSocket);
      for (let i = 0; i < 2; i++) alive.push(await driver.start());
      if (driver.pause !== undefined) frozen = await driver.start();
      // Each completed (re)sync is logged: the observable sign that the watcher reconnected.
      const logger = {
        debug: (message: string) => void (message.includes(": synced with ") && syncs++),
        warn: (_message: string, error?: unknown) => void errors.push(error),
      };
      watcher = new Watcher(driver.client(proxy.socketPath), { backoff: TEST_BACKOFF, logger });
      watching = watcher.watch();
      await watcher.ready;
      log = new EventLog(watcher);
      await settled("initial sync");
    });
    after(async () => {
      if (skip) return;
      await watcher?.close();
      await watching;
      await log?.close();
      await proxy?.close();
      await driver?.cleanup();
    });

    const settled = (context: string): Promise<string[]> => settle(watcher, log, driver, context, settleTimeoutMs);

    let round = 0;
    for (const fault of faults) {
      it(fault.name, { skip, timeout: settleTimeoutMs + SETTLE_TIMEOUT_MS * 2 }, async () => {
        round++;
        const mark = log.events.length;
        const faultsBefore = proxy.faults;
        const syncsBefore = syncs;
        const errorsBefore = errors.length;
        const release = await fault.inject(proxy, { errors });
        // The engine changes while the fault is in effect: one exit, one start, one pause flip (where it pauses).
        const victim = alive.shift()!;
        await driver.kill(victim);
        const newcomer = await driver.start();
        alive.push(newcomer);
        const pausing = round % 2 === 1;
        const flipped = frozen === "" ? [] : [`${pausing ? "paused" : "unpaused"} ${frozen}`];
        if (pausing) await driver.pause?.(frozen);
        else await driver.unpause?.(frozen);
        await release();
        await settled(fault.name);
        // Recovering means nothing unless the fault hit the watcher's connections and, where it must, a reconnect followed.
        const live = (): string => proxy.connections.map((c) => `#${c.id} ${c.requests.map((r) => `${r.method} ${r.path}`).join(" ")}`).join("; ");
        assert.ok(proxy.faults > faultsBefore, `${fault.name}: the fault never took effect; live connections: ${live()}`);
        if (fault.reconnects) assert.ok(syncs > syncsBefore, `${fault.name}: no reconnect and resync; live connections: ${live()}`);
        assert.deepEqual(
          transitionsSince(log, mark, driver.keep),
          [`exited ${victim}`, `started ${newcomer}`, ...flipped].sort(),
          "exactly the missed transitions, each once",
        );
        if (driver.killExitCode !== undefined) {
          const exit = log.events.slice(mark).find((e) => e.type === "exited" && e.container.name === victim);
          assert.equal(exit?.exit?.code, driver.killExitCode, "the exit code of the killed container");
        }
        if (options.typedErrors && fault.reconnects) {
          const seen = errors.slice(errorsBefore);
          assert.ok(seen.length > 0, `${fault.name}: the watcher saw the connection fail`);
          const untyped = seen.filter((e) => !(e instanceof EngineError));
          assert.deepEqual(untyped.map((e) => (e instanceof Error ? e.stack : String(e))), [], "every error typed");
        }
      });
    }

    it("made only read-only requests through all of it", { skip }, () => {
      assert.ok(driver.requestsChecked(proxy.requests) > 0, "the check saw the watcher's requests");
      assert.deepEqual(driver.readOnlyViolations(proxy.requests), []);
    });
  });
}