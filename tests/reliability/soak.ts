/**
 * The churn soak: random lifecycle operations on a real engine while the
 * fault proxy injects faults into the watcher's connections; after each
 * round it lets things settle and compares the watcher's portfolio (and the
 * replay of its event stream) with the engine's ground truth. Used by
 * `soak.test.ts` (bounded) and `scripts/soak.mjs` (`--minutes N`).
 *
 * @module
 */

import { Watcher } from "../../lib/watcher.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import type { EngineDriver } from "./drivers.ts";
import { commonFaults, type Fault, type StreamConnections } from "./faults.ts";
import { EventLog, pictureOf, replay, TEST_BACKOFF } from "./support.ts";

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  /** The engine to churn. */
  driver: EngineDriver;
  /** Its socket path (the proxy's target). */
  engineSocket: string;
  /** Finds the connections carrying the event subscription. */
  stream: StreamConnections;
  /** Run rounds until this much time has passed (a round in progress finishes). */
  durationMs: number;
  /** Seed of the random choices (printed, so a failing run can be repeated). */
  seed: number;
  /** How long a round may take to settle before it counts as a mismatch. */
  settleTimeoutMs?: number;
  /** Most containers alive at a time. */
  maxAlive?: number;
  /** Receives one line per round. */
  log?: (line: string) => void;
}

/** What a soak run did. */
export interface SoakResult {
  /** Rounds completed. */
  rounds: number;
  /** Faults injected. */
  faults: number;
  /** Engine operations performed. */
  operations: number;
  /** Rounds whose picture did not settle to the engine's truth, with details. */
  mismatches: string[];
  /** The seed used. */
  seed: number;
}

/** A small deterministic PRNG (mulberry32), so that a seed reproduces a run's choices. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Operation = "start" | "kill" | "stop" | "restart" | "pause" | "unpause";

/** Runs the soak; never throws for a mismatch (they are counted), only for broken setup. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { driver, stream, log = () => {} } = options;
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
  const maxAlive = options.maxAlive ?? 5;
  const rand = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const faults: Fault[] = commonFaults(stream);
  const alive = new Map<string, { paused: boolean }>();
  const result: SoakResult = { rounds: 0, faults: 0, operations: 0, mismatches: [], seed: options.seed };

  const proxy = await FaultProxy.start(options.engineSocket);
  const errors: unknown[] = [];
  const logger = { debug() {}, warn: (_message: string, error?: unknown) => void errors.push(error) };
  const watcher = new Watcher(driver.client(proxy.socketPath), { backoff: TEST_BACKOFF, logger });
  const watching = watcher.watch();
  const events = new EventLog(watcher);
  try {
    await watcher.ready;
    const deadline = Date.now() + options.durationMs;
    while (Date.now() < deadline) {
      const round = ++result.rounds;
      const fault = rand() < 0.7 ? pick(faults) : undefined;
      const release = fault ? await fault.inject(proxy, { errors }) : async () => {};
      if (fault) result.faults++;
      const done: string[] = [];
      const count = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < count; i++) {
        const running = [...alive].filter(([, s]) => !s.paused).map(([name]) => name);
        const paused = [...alive].filter(([, s]) => s.paused).map(([name]) => name);
        const possible: Operation[] = [
          ...(alive.size < maxAlive ? ["start" as const] : []),
          ...(running.length > 0 ? (["kill", "stop", "restart", "pause"] as const) : []),
          ...(paused.length > 0 ? ["unpause" as const] : []),
        ];
        const operation = pick(possible);
        const target = operation === "unpause" ? pick(paused) : operation === "start" ? "" : pick(running);
        switch (operation) {
          case "start":
            alive.set(await driver.start(), { paused: false });
            break;
          case "kill":
          case "stop":
            await driver[operation](target);
            alive.delete(target);
            break;
          case "restart":
            await driver.restart(target);
            break;
          case "pause":
          case "unpause":
            await driver[operation](target);
            alive.set(target, { paused: operation === "pause" });
            break;
        }
        result.operations++;
        done.push(`${operation}${target ? ` ${target}` : ""}`);
      }
      await release();
      const mismatch = await settled(watcher, events, driver, settleTimeoutMs);
      if (mismatch) result.mismatches.push(`round ${round} (${fault?.name ?? "no fault"}; ${done.join(", ")}): ${mismatch}`);
      log(`round ${round}: ${fault ? `fault "${fault.name}"` : "no fault"}; ${done.join(", ")}; ${mismatch ? `MISMATCH ${mismatch}` : "ok"}`);
    }
  } finally {
    await watcher.close();
    // How the watcher and its subscription end counts too: an error there is a mismatch, not noise.
    const [watchEnd, eventsEnd] = await Promise.allSettled([watching, events.close()]);
    if (watchEnd.status === "rejected") result.mismatches.push(`watch() rejected on close: ${String(watchEnd.reason)}`);
    if (eventsEnd.status === "rejected") result.mismatches.push(`event subscription failed: ${String(eventsEnd.reason)}`);
    await proxy.close();
  }
  return result;
}

/** Waits for the picture to settle on the engine's truth; returns a description of the mismatch, or "". */
async function settled(watcher: Watcher, events: EventLog, driver: EngineDriver, timeoutMs: number): Promise<string> {
  const truth = JSON.stringify(await driver.truth());
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const portfolio = JSON.stringify(pictureOf(watcher.portfolio, driver.keep));
    let replayed: string;
    try {
      replayed = JSON.stringify(replay(events.events, driver.keep));
    } catch (error) {
      return `inconsistent event stream: ${(error as Error).message.split("\n")[0]}`;
    }
    if (portfolio === truth && replayed === truth) return "";
    if (events.error !== undefined) return `subscription failed: ${String(events.error)}`;
    if (Date.now() > deadline) return `truth ${truth}, portfolio ${portfolio}, replayed events ${replayed}`;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
