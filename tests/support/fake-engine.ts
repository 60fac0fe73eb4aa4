/**
 * A scripted, in-memory {@linkcode EngineClient} for deterministic watcher
 * tests (the counterpart of the Go reference's "mockingmoby").
 *
 * The fake keeps a "truth" (the engine's alive containers). {@linkcode FakeEngine.start},
 * {@linkcode FakeEngine.exit}, {@linkcode FakeEngine.pause} and {@linkcode FakeEngine.unpause}
 * change the truth, log the matching event and push it into every open event
 * stream; a subscription with `since` first replays the logged events from
 * then on (like dockerd that stayed up). How much it replays is an option
 * ({@linkcode FakeEngineOptions.replay}): everything, nothing (an engine
 * whose events are lost across a reconnect), or the newest N events (dockerd
 * keeps {@linkcode DOCKERD_REPLAY} in memory; older ones are lost). The
 * `quietly` variants change only the truth, as if the engine restarted and
 * lost its event log.
 *
 * Hooks make races reproducible without sleeps: hold the next list
 * ({@linkcode FakeEngine.holdList}) and release it after pushing events, hold
 * inspects and resolve them out of order ({@linkcode FakeEngine.holdInspects}),
 * make lists or subscriptions fail, break a stream. Every call is recorded,
 * and {@linkcode FakeEngine.called} waits for a call to happen.
 *
 * Nothing here uses timers.
 *
 * @module
 */

import type { EngineClient, EngineEvent, EventStream, LifecycleEventsOptions } from "../../lib/engine.ts";
import { EngineUnavailableError } from "../../lib/errors.ts";
import { newContainer, withPaused } from "../../lib/model/container.ts";
import { setImmediate } from "node:timers";
import type { Container, ContainerInit } from "../../lib/model/container.ts";

/** A promise with its resolve and reject functions. */
export interface Deferred<T> {
  /** The promise. */
  readonly promise: Promise<T>;
  /** Resolves the promise. */
  resolve(value: T): void;
  /** Rejects the promise. */
  reject(error: unknown): void;
}

/** A held list as the fake keeps it. */
interface HeldListEntry {
  readonly called: Deferred<Container[]>;
  readonly result: Deferred<void>;
  failure?: unknown;
  newer?: (id: string) => boolean;
}

/** Creates a {@linkcode Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How many past events dockerd keeps in memory for `since` (its events service's buffer). */
export const DOCKERD_REPLAY = 256;

/** How a {@linkcode FakeEngine} behaves where engines differ. */
export interface FakeEngineOptions {
  /**
   * What a subscription with `since` replays: `"all"` logged events from then on (the default),
   * `"none"` (events missed across a reconnect are lost), or a number N: only the newest N events are
   * kept, older ones are lost.
   */
  readonly replay?: "all" | "none" | number;
  /**
   * The engine clock: `"fixed"` (the default) starts at 2026-01-01 and advances 1 s per event, so that
   * times are reproducible; `"wall"` follows `Date.now()` (never going backwards), as a real engine's
   * clock matches the host's, so event times compare with the times the watcher stamps itself.
   */
  readonly clock?: "fixed" | "wall";
  /**
   * When a subscription goes live: `"registered"` (the default) at once, so `subscribed` means
   * registered; `"late"`: `subscribed` settles at once, but the engine registers the subscription only at
   * {@linkcode FakeEngine.registerSubscriptions} (Docker's window: dockerd registers a request after the
   * client considers it issued). Events in between reach the stream only through its `since` replay.
   */
  readonly subscription?: "registered" | "late";
}

/** The methods of the fake whose calls are recorded. */
export type FakeMethod = "id" | "version" | "list" | "inspect" | "lifecycleEvents" | "close";

/** One recorded call. */
export interface FakeCall {
  /** Which method was called. */
  readonly method: FakeMethod;
  /** The container name or ID for `inspect`; `since` for `lifecycleEvents`. */
  readonly arg?: string | number;
}

/** Control over one held `list()` call; see {@linkcode FakeEngine.holdList}. */
export interface HeldList {
  /** Resolves once the watcher called `list()`; yields the snapshot the list will return. */
  readonly called: Promise<Container[]>;
  /**
   * Lets the list return the snapshot taken when it was called; with `newer`, the list is not atomic:
   * for each ID (alive when called or now) for which `newer` says true it reports the truth as of now
   * instead (gone if it died meanwhile, the new instance if it restarted, present if it started), as an
   * engine that walks its containers one by one while they die and start.
   */
  release(newer?: (id: string) => boolean): void;
  /** Lets the list fail. */
  fail(error: unknown): void;
}

/** One held `inspect()` call; see {@linkcode FakeEngine.holdInspects}. */
export interface HeldInspect {
  /** The inspected name or ID. */
  readonly id: string;
  /** Resolves with the truth as it was when inspect was called; with `result` when given (`null`: gone). */
  release(result?: Container | null): void;
  /** Lets the inspect fail. */
  fail(error: unknown): void;
}

/** The error the fake uses for a lost connection unless a test passes its own. */
export function connectionLost(message = "fake connection lost"): EngineUnavailableError {
  return new EngineUnavailableError(message, { retryable: true, endpoint: "fake:///engine" });
}

/**
 * A scripted event stream. Events pushed into it are delivered in order;
 * {@linkcode FakeEventStream.push} resolves once the consumer has *processed*
 * the event, that is, asked for the next one (or the stream finished).
 */
export class FakeEventStream implements EventStream {
  /** The `since` the subscriber asked for. */
  readonly since: number | undefined;
  /** The signal the subscriber passed. */
  readonly signal: AbortSignal;
  /** See {@linkcode EventStream.subscribed}. */
  readonly subscribed: Promise<void>;
  readonly #subscribed = deferred<void>();
  readonly #queue: EngineEvent[] = [];
  #queueHead = 0;
  #delivered = 0;
  #pulls = 0;
  #error: { error: unknown } | undefined;
  #ended = false;
  #finished = false;
  #waiter: Deferred<IteratorResult<EngineEvent, undefined>> | undefined;
  readonly #processed: { after: number; done: Deferred<void> }[] = [];
  #processedHead = 0;
  readonly #finishedDeferred = deferred<void>();
  readonly #onAbort = (): void => this.#finish();

  /** Creates a stream; {@linkcode FakeEngine.lifecycleEvents} does this. */
  constructor(options: LifecycleEventsOptions, subscribe: "now" | "held" | { fail: unknown }) {
    this.since = options.since;
    this.signal = options.signal;
    this.subscribed = this.#subscribed.promise;
    this.subscribed.catch(() => {}); // a consumer that never awaits it must not crash the process
    if (typeof subscribe === "object") {
      this.#subscribed.reject(subscribe.fail);
      this.#error = { error: subscribe.fail };
    } else if (subscribe === "now") {
      this.#subscribed.resolve();
    }
    if (this.signal.aborted) this.#finish();
    else this.signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Whether the stream still delivers (not aborted, ended, broken and consumed, or returned). */
  get open(): boolean {
    return !this.#finished && !this.#error && !this.#ended;
  }

  /** Whether the consumer has taken every pushed event and waits for the next one. */
  get drained(): boolean {
    return this.#waiter !== undefined && this.#queueHead === this.#queue.length;
  }

  /** Resolves when the stream finished: aborted, returned, or its end or error was consumed. */
  get finished(): Promise<void> {
    return this.#finishedDeferred.promise;
  }

  /** Settles `subscribed` for a stream created while subscriptions were held. */
  confirmSubscription(): void {
    this.#subscribed.resolve();
  }

  /** Delivers an event; resolves when the consumer processed it or the stream finished. */
  push(event: EngineEvent): Promise<void> {
    if (!this.open) return Promise.resolve();
    this.#queue.push(event);
    const done = deferred<void>();
    this.#processed.push({ after: this.#delivered + this.#queue.length - this.#queueHead, done });
    this.#serve();
    return done.promise;
  }

  /** Breaks the connection: after the queued events, iteration throws `error`. */
  break(error: unknown = connectionLost()): void {
    if (!this.open) return;
    this.#error = { error };
    this.#subscribed.reject(error);
    this.#serve();
  }

  /** Ends the stream quietly (as if the engine closed it). */
  end(): void {
    if (!this.open) return;
    this.#ended = true;
    this.#serve();
  }

  /** Iterates the events. */
  [Symbol.asyncIterator](): AsyncIterator<EngineEvent, undefined> {
    return {
      next: () => {
        this.#pulls++;
        this.#resolveProcessed();
        if (this.#waiter) return Promise.reject(new Error("FakeEventStream: concurrent next()"));
        this.#waiter = deferred();
        const result = this.#waiter.promise;
        this.#serve();
        return result;
      },
      return: () => {
        this.#finish();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #serve(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    if (this.#finished) {
      this.#waiter = undefined;
      waiter.resolve({ value: undefined, done: true });
      return;
    }
    const event = this.#queue[this.#queueHead];
    if (event) {
      this.#queue[this.#queueHead++] = undefined as unknown as EngineEvent;
      if (this.#queueHead === this.#queue.length) {
        this.#queue.length = 0;
        this.#queueHead = 0;
      }
      this.#waiter = undefined;
      this.#delivered++;
      waiter.resolve({ value: event, done: false });
    } else if (this.#error) {
      this.#waiter = undefined;
      const { error } = this.#error;
      this.#finish();
      waiter.reject(error);
    } else if (this.#ended) {
      this.#waiter = undefined;
      this.#finish();
      waiter.resolve({ value: undefined, done: true });
    }
  }

  /** The event delivered as number n counts as processed once the consumer pulls again. */
  #resolveProcessed(): void {
    const processed = this.#pulls - 1;
    // Entries are pushed in delivery order, so the processed ones are a prefix.
    while (this.#processedHead < this.#processed.length && this.#processed[this.#processedHead]!.after <= processed) {
      this.#processed[this.#processedHead++]!.done.resolve();
    }
    if (this.#processedHead === this.#processed.length) {
      this.#processed.length = 0;
      this.#processedHead = 0;
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.signal.removeEventListener("abort", this.#onAbort);
    this.#subscribed.reject(new Error("stream finished before it was subscribed"));
    this.#queue.length = 0;
    this.#queueHead = 0;
    for (let i = this.#processedHead; i < this.#processed.length; i++) this.#processed[i]!.done.resolve();
    this.#processed.length = 0;
    this.#processedHead = 0;
    this.#serve();
    this.#finishedDeferred.resolve();
  }
}

/** A scripted fake engine client; see the module description. */
export class FakeEngine implements EngineClient {
  /** See {@linkcode EngineClient.type}. */
  readonly type = "fake.test";
  /** See {@linkcode EngineClient.api}. */
  readonly api = "fake:///engine";
  /** See {@linkcode EngineClient.pid}. */
  readonly pid = 4242;
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  /** Every stream opened, in order. */
  readonly streams: FakeEventStream[] = [];
  /** Every event emitted, in order: what a subscription with `since` replays. */
  readonly log: EngineEvent[] = [];
  /** The engine's alive containers. */
  readonly truth = new Map<string, Container>();
  /** Whether close() was called. */
  closed = false;
  /** The engine clock in ms since the epoch; every event advances it by 1 s. */
  clock = Date.UTC(2026, 0, 1);

  #nextPid = 1000;
  readonly #replay: "all" | "none" | number;
  readonly #wallClock: boolean;
  readonly #lateSubscriptions: boolean;
  /** Streams whose subscription the engine has not registered yet (`subscription: "late"`). */
  readonly #unregistered = new Set<FakeEventStream>();
  readonly #counts = new Map<FakeMethod, number>();
  readonly #heldLists: HeldListEntry[] = [];
  #failLists: { count: number; error: () => unknown } = { count: 0, error: () => connectionLost() };
  #failSubscribes: { count: number; error: () => unknown } = { count: 0, error: () => connectionLost() };
  #holdSubscriptions = false;
  #holdInspects = false;
  readonly #heldInspects: HeldInspect[] = [];
  readonly #inspectWaiters: { count: number; done: Deferred<void> }[] = [];
  readonly #callWaiters: { method: FakeMethod; count: number; done: Deferred<void> }[] = [];

  constructor(options: FakeEngineOptions = {}) {
    this.#replay = options.replay ?? "all";
    this.#wallClock = options.clock === "wall";
    this.#lateSubscriptions = options.subscription === "late";
    if (this.#wallClock) this.clock = Date.now();
  }

  /** The most recently opened stream. */
  get stream(): FakeEventStream {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error("FakeEngine: no stream opened yet");
    return stream;
  }

  /** How often `method` was called. */
  count(method: FakeMethod): number {
    return this.#counts.get(method) ?? 0;
  }

  /** Resolves once `method` has been called `count` times in total. */
  called(method: FakeMethod, count = 1): Promise<void> {
    if (this.count(method) >= count) return Promise.resolve();
    const done = deferred<void>();
    this.#callWaiters.push({ method, count, done });
    return done.promise;
  }

  // ---- scripting -------------------------------------------------------

  /** A container value with a fresh PID (not added to the truth). */
  container(init: Omit<ContainerInit, "pid"> & { pid?: number }): Container {
    return newContainer({ pid: this.#nextPid++, ...init });
  }

  /** Adds a container to the truth and emits `started`; resolves when every open stream's consumer processed it. */
  start(init: Omit<ContainerInit, "pid"> & { pid?: number }): Promise<Container> {
    const container = this.startQuietly(init);
    return this.#emit({ type: "started", id: container.id, time: this.#tick() }).then(() => container);
  }

  /** Adds a container to the truth without any event. */
  startQuietly(init: Omit<ContainerInit, "pid"> & { pid?: number }): Container {
    const container = this.container(init);
    this.truth.set(container.id, container);
    return container;
  }

  /** Removes a container from the truth and emits `exited` (with its project). */
  exit(id: string): Promise<void> {
    const container = this.truth.get(id);
    this.truth.delete(id);
    return this.#emit({ type: "exited", id, project: container?.project ?? "", time: this.#tick() });
  }

  /** Removes a container from the truth without any event. */
  exitQuietly(id: string): void {
    this.truth.delete(id);
  }

  /** Pauses a container in the truth and emits `paused`. */
  pause(id: string): Promise<void> {
    this.#setPaused(id, true);
    return this.#emit({ type: "paused", id, time: this.#tick() });
  }

  /** Unpauses a container in the truth and emits `unpaused`. */
  unpause(id: string): Promise<void> {
    this.#setPaused(id, false);
    return this.#emit({ type: "unpaused", id, time: this.#tick() });
  }

  /** Changes the paused state in the truth without any event. */
  setPausedQuietly(id: string, paused: boolean): void {
    this.#setPaused(id, paused);
  }

  /** Pushes a raw event into every open stream, without touching the truth. */
  emit(event: EngineEvent): Promise<void> {
    return this.#emit(event);
  }

  /**
   * Holds the next `list()` call: it takes its snapshot of the truth when
   * called, then waits until released (or failed) through the returned handle.
   */
  holdList(): HeldList {
    const called = deferred<Container[]>();
    const result = deferred<void>();
    const entry: HeldListEntry = { called, result };
    this.#heldLists.push(entry);
    return {
      called: called.promise,
      release: (newer) => {
        if (newer) entry.newer = newer;
        result.resolve();
      },
      fail: (error) => {
        entry.failure = error;
        result.resolve();
      },
    };
  }

  /** Makes the next `count` lists fail (`Infinity`: all of them). */
  failLists(count: number, error: () => unknown = () => connectionLost("fake list failed")): void {
    this.#failLists = { count, error };
  }

  /** Makes the next `count` subscriptions fail (their `subscribed` rejects, iteration throws). */
  failSubscriptions(count: number, error: () => unknown = () => connectionLost("fake subscribe failed")): void {
    this.#failSubscribes = { count, error };
  }

  /** Streams opened from now on leave `subscribed` pending until {@linkcode FakeEventStream.confirmSubscription}. */
  holdSubscriptions(hold = true): void {
    this.#holdSubscriptions = hold;
  }

  /** How many subscriptions wait for {@linkcode FakeEngine.registerSubscriptions} (`subscription: "late"`). */
  get unregisteredSubscriptions(): number {
    return this.#unregistered.size;
  }

  /**
   * Registers the subscriptions made so far (`subscription: "late"`): each replays the logged events from
   * its `since` on (as {@linkcode FakeEngineOptions.replay} allows), then receives new ones.
   */
  registerSubscriptions(): void {
    for (const stream of this.#unregistered) this.#register(stream);
    this.#unregistered.clear();
  }

  /** Inspects from now on wait for {@linkcode FakeEngine.inspected}'s handles to release them. */
  holdInspects(hold = true): void {
    this.#holdInspects = hold;
  }

  /** The held inspects once at least `count` have been made (in call order, released ones included). */
  async inspected(count: number): Promise<HeldInspect[]> {
    if (this.#heldInspects.length < count) {
      const done = deferred<void>();
      this.#inspectWaiters.push({ count, done });
      await done.promise;
    }
    return [...this.#heldInspects];
  }

  // ---- EngineClient ----------------------------------------------------

  /** See {@linkcode EngineClient.id}. */
  id(): Promise<string> {
    this.#record({ method: "id" });
    return Promise.resolve("fake-engine-id");
  }

  /** See {@linkcode EngineClient.version}. */
  version(): Promise<string> {
    this.#record({ method: "version" });
    return Promise.resolve("0.0.0-fake");
  }

  /** See {@linkcode EngineClient.list}. */
  async list(signal?: AbortSignal): Promise<Container[]> {
    this.#record({ method: "list" });
    const snapshot = [...this.truth.values()];
    if (this.#failLists.count > 0) {
      this.#failLists.count--;
      throw this.#failLists.error();
    }
    const held = this.#heldLists.shift();
    if (!held) return snapshot;
    held.called.resolve(snapshot);
    await abortable(held.result.promise, signal);
    if (held.failure !== undefined) throw held.failure;
    const newer = held.newer;
    if (!newer) return snapshot;
    const then = new Map(snapshot.map((c) => [c.id, c]));
    const ids = new Set([...then.keys(), ...this.truth.keys()]);
    return [...ids].flatMap((id) => {
      const container = newer(id) ? this.truth.get(id) : then.get(id);
      return container ? [container] : [];
    });
  }

  /** See {@linkcode EngineClient.inspect}. */
  inspect(nameOrId: string, signal?: AbortSignal): Promise<Container | undefined> {
    this.#record({ method: "inspect", arg: nameOrId });
    const truth = this.truth.get(nameOrId) ?? [...this.truth.values()].find((c) => c.name === nameOrId);
    if (!this.#holdInspects) return Promise.resolve(truth);
    const result = deferred<Container | undefined>();
    this.#heldInspects.push({
      id: nameOrId,
      release: (value) => result.resolve(value === undefined ? truth : value ?? undefined),
      fail: (error) => result.reject(error),
    });
    for (const waiter of [...this.#inspectWaiters]) {
      if (this.#heldInspects.length >= waiter.count) {
        this.#inspectWaiters.splice(this.#inspectWaiters.indexOf(waiter), 1);
        waiter.done.resolve();
      }
    }
    return abortable(result.promise, signal);
  }

  /** See {@linkcode EngineClient.lifecycleEvents}. */
  lifecycleEvents(options: LifecycleEventsOptions): FakeEventStream {
    this.#record({ method: "lifecycleEvents", ...(options.since !== undefined ? { arg: options.since } : {}) });
    let subscribe: "now" | "held" | { fail: unknown } = this.#holdSubscriptions ? "held" : "now";
    if (this.#failSubscribes.count > 0) {
      this.#failSubscribes.count--;
      subscribe = { fail: this.#failSubscribes.error() };
    }
    const stream = new FakeEventStream(options, subscribe);
    this.streams.push(stream);
    if (this.#lateSubscriptions) this.#unregistered.add(stream);
    else this.#register(stream);
    return stream;
  }

  /** See {@linkcode EngineClient.close}. */
  close(): Promise<void> {
    this.#record({ method: "close" });
    this.closed = true;
    return Promise.resolve();
  }

  // ---- internals -------------------------------------------------------

  /** The engine registers a subscription: it replays from `since`, and new events reach it from now on. */
  #register(stream: FakeEventStream): void {
    const since = stream.since;
    if (since !== undefined) for (const event of this.#replayable(since)) void stream.push(event);
  }

  #tick(): number {
    this.clock = this.#wallClock ? Math.max(this.clock, Date.now()) : this.clock + 1000;
    return this.clock;
  }

  /** The logged events a subscription with `since` replays; see {@linkcode FakeEngineOptions.replay}. */
  #replayable(since: number): EngineEvent[] {
    if (this.#replay === "none") return [];
    const kept = this.#replay === "all" ? this.log : this.log.slice(Math.max(0, this.log.length - this.#replay));
    return kept.filter((e) => e.time >= since);
  }

  #setPaused(id: string, paused: boolean): void {
    const container = this.truth.get(id);
    if (container) this.truth.set(id, withPaused(container, paused));
  }

  #emit(event: EngineEvent): Promise<void> {
    this.log.push(event);
    const live = this.streams.filter((s) => s.open && !this.#unregistered.has(s));
    return Promise.all(live.map((s) => s.push(event))).then(() => {});
  }

  #record(call: FakeCall): void {
    this.calls.push(call);
    const count = this.count(call.method) + 1;
    this.#counts.set(call.method, count);
    for (const waiter of [...this.#callWaiters]) {
      if (waiter.method === call.method && count >= waiter.count) {
        this.#callWaiters.splice(this.#callWaiters.indexOf(waiter), 1);
        waiter.done.resolve();
      }
    }
  }
}

/** Rejects with the signal's reason when it aborts first; removes its listener either way. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A scheduling barrier, not a delay: resolves after every promise reaction
 * queued so far (and those they queue in turn) has run, because macrotasks
 * run only once the microtask queue is empty. The fake does all its work in
 * promise reactions, so after this the watcher has applied whatever it could.
 */
export function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
