/**
 * Shared helpers of the reliability suites: a bounded wait-until, a raw
 * socket client, and the checks that a watcher's picture and event stream
 * agree with an engine's truth.
 *
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import type { LifecycleEvent } from "../../lib/events.ts";
import type { Container } from "../../lib/model/container.ts";
import type { ReadonlyPortfolio } from "../../lib/model/portfolio.ts";
import type { Watcher } from "../../lib/watcher.ts";

/** Generous bound for anything an engine does on a busy 2-core machine. */
export const SETTLE_TIMEOUT_MS = 45_000;

/** Small reconnect backoff for tests: quick retries, deterministic. */
export const TEST_BACKOFF = { initialMs: 20, maxMs: 200, factor: 2, jitter: "none" } as const;

/**
 * Polls `probe` until it returns a value other than `undefined`/`false`;
 * fails with `what` (and the last probe error) after `timeoutMs`.
 */
export async function waitUntil<T>(
  what: string | (() => string),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const description = typeof what === "string" ? what : what();
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${description}${lastError ? `: ${String(lastError)}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw client socket that records everything it receives. */
export class RawClient {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  ended = false;
  readonly closed: Promise<void>;

  constructor(path: string) {
    this.socket = net.createConnection({ path });
    this.socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    this.socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      this.socket.on("close", () => {
        this.ended = true;
        resolve();
      })
    );
  }

  /** The received bytes as text. */
  get text(): string {
    return this.received.toString("latin1");
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

/** Which containers a check looks at (engines are shared with other suites running at the same time). */
export type Keep = (container: Container) => boolean;

/** One container as a line: what "equal pictures" compares. */
export function line(c: { id: string; name: string; pid: number; paused: boolean }): string {
  return `${c.id} ${c.name} ${c.pid} ${c.paused ? "paused" : "running"}`;
}

/** The kept containers of a portfolio as sorted lines. */
export function pictureOf(portfolio: ReadonlyPortfolio, keep: Keep = () => true): string[] {
  return [...portfolio.allContainers()].filter(keep).map(line).sort();
}

/**
 * Replays lifecycle events onto an empty picture the way a consumer would,
 * failing on inconsistencies: a second `started` without an `exited` in
 * between, an exit, pause or unpause of an unknown container, or a pause flip
 * that changes nothing.
 */
export function replay(events: readonly LifecycleEvent[], keep: Keep = () => true): string[] {
  const alive = new Map<string, { id: string; name: string; pid: number; paused: boolean }>();
  for (const [index, event] of events.entries()) {
    if (!keep(event.container)) continue;
    const { id, name, pid } = event.container;
    const where = `event #${index} ${event.type} ${name} (${id.slice(0, 12)})`;
    switch (event.type) {
      case "started":
        assert.ok(!alive.has(id), `${where}: started twice without an exit in between`);
        alive.set(id, { id, name, pid, paused: event.container.paused });
        break;
      case "exited":
        assert.ok(alive.delete(id), `${where}: exit of a container not alive`);
        break;
      case "paused":
      case "unpaused": {
        const known = alive.get(id);
        assert.ok(known, `${where}: pause flip of a container not alive`);
        assert.equal(known.paused, event.type === "unpaused", `${where}: flip to the state it already had`);
        known.paused = event.type === "paused";
        break;
      }
    }
  }
  return [...alive.values()].map(line).sort();
}

/** Collects a watcher's events (with `initial`) in the background. */
export class EventLog {
  readonly events: LifecycleEvent[] = [];
  error: unknown;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;

  constructor(watcher: Watcher, buffer = 100_000) {
    const subscription = watcher.events({ signal: this.#abort.signal, initial: true, buffer });
    this.#done = (async () => {
      try {
        for await (const event of subscription) this.events.push(event);
      } catch (error) {
        this.error = error;
      }
    })();
  }

  /** Events after index `from` matching a type and container name. */
  since(from: number, type: LifecycleEvent["type"], name: string): LifecycleEvent[] {
    return this.events.slice(from).filter((e) => e.type === type && e.container.name === name);
  }

  /** Describes the log for failure messages. */
  toString(): string {
    return this.events.map((e) => `${e.type} ${e.container.name}`).join(", ");
  }

  /** Ends the subscription; it must have ended without error. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
    if (this.error !== undefined) throw this.error;
  }
}

/**
 * Asserts that the watcher's portfolio shows exactly `truth` (sorted
 * `id name pid state` lines, as from {@linkcode pictureOf}) and that
 * replaying the event log yields the same picture.
 */
export function assertConsistent(watcher: Watcher, log: EventLog, truth: string[], keep: Keep, context: string): void {
  assert.deepEqual(pictureOf(watcher.portfolio, keep), truth, `${context}: portfolio differs from the engine`);
  assert.deepEqual(replay(log.events, keep), truth, `${context}: replayed events differ from the engine; events: ${log}`);
}

/** What {@linkcode settle} needs from an engine driver. */
export interface TruthSource {
  /** The engine's alive containers of this run, as sorted lines. */
  truth(): Promise<string[]>;
  /** Selects the containers of this run. */
  readonly keep: Keep;
}

/**
 * Waits until the portfolio and the replayed event log both equal the
 * engine's truth (read once: call it after the engine changes); returns it.
 */
export async function settle(
  watcher: Watcher,
  log: EventLog,
  engine: TruthSource,
  context: string,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<string[]> {
  const truth = await engine.truth();
  await waitUntil(
    () =>
      `${context}: truth ${JSON.stringify(truth)}, portfolio ${JSON.stringify(pictureOf(watcher.portfolio, engine.keep))}, events: ${log}`,
    () =>
      JSON.stringify(pictureOf(watcher.portfolio, engine.keep)) === JSON.stringify(truth) &&
      JSON.stringify(replay(log.events, engine.keep)) === JSON.stringify(truth),
    timeoutMs,
  );
  assert.equal(log.error, undefined, `${context}: the subscription failed`);
  return truth;
}

/** The kept events after index `from`, as sorted `type name` strings. */
export function transitionsSince(log: EventLog, from: number, keep: Keep): string[] {
  return log.events.slice(from).filter((e) => keep(e.container)).map((e) => `${e.type} ${e.container.name}`).sort();
}
