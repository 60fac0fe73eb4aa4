/**
 * The CRI client's lifecycle event stream: `GetContainerEvents` where the
 * runtime implements it, always corrected by a periodic relist diff.
 *
 * CRI events are hints (delayed, duplicated, reordered or lost; no replay),
 * so every event is confirmed with a status call before it is passed on, and
 * every `relistIntervalMs` the IDs of the RUNNING containers and READY
 * sandboxes are compared with what the stream has announced. Whatever the
 * events missed is announced then, exactly once, and counted as a
 * correction. Where events do not work (UNIMPLEMENTED on containerd 1.6, an
 * immediate end on CRI-O without `enable_pod_events`, an error), the relist
 * alone drives the stream. A stream that ends or fails is reopened with
 * backoff while the relist goes on (a reopen relists at once, for what
 * happened while no event could tell); UNIMPLEMENTED is final. The watcher
 * core sees an ordinary {@linkcode EventStream}.
 *
 * @module
 */

import { Backoff } from "../../lib/backoff.ts";
import type { BackoffOptions } from "../../lib/backoff.ts";
import { PROJECT_UNKNOWN } from "../../lib/engine.ts";
import type { EngineEvent, EngineExit, EventStream } from "../../lib/engine.ts";
import { deferred } from "../../lib/async/deferred.ts";
import type { Deferred } from "../../lib/async/deferred.ts";
import { linkSignals } from "../../lib/async/signals.ts";
import type { LinkedSignal } from "../../lib/async/signals.ts";
import { sleep } from "../../lib/async/wait.ts";

/**
 * How a CRI event stream learns of changes.
 *
 * @example Which way a CRI watcher learns of changes
 * ```ts
 * import { CriClient, type CriEventMode, Watcher } from "@whalewatcher/whalewatcher";
 *
 * const client = new CriClient({ socket: "/var/run/crio/crio.sock" });
 * await using watcher = new Watcher(client);
 * void watcher.watch();
 * await watcher.ready;
 * const mode: CriEventMode | undefined = client.mode;
 * console.log(mode, client.corrections); // containerd 1.6: "relist-only"
 * ```
 */
export type CriEventMode = "evented+relist" | "relist-only";

/** A runtime event as the stream needs it (decoded from `ContainerEventResponse`). */
export interface CriRuntimeEvent {
  /** Container ID, or the sandbox ID for sandbox events. */
  readonly id: string;
  /** 0 created, 1 started, 2 stopped, 3 deleted; other values are unknown. */
  readonly type: number;
  /** Event time in ms since the epoch (0 when the runtime left it unset). */
  readonly time: number;
  /** Whether the event concerns a pod sandbox (its ID equals the event's sandbox status ID). */
  readonly sandbox: boolean;
}

/** What a status call says: alive, or not (with the exit where the runtime tells it: workload containers). */
export type CriLiveness = { readonly alive: true } | { readonly alive: false; readonly exit?: EngineExit };

/** What the stream needs from the client. */
export interface CriStreamSource {
  /** IDs of the RUNNING workload containers and READY sandboxes, one consistent pair of list calls. */
  aliveIds(signal: AbortSignal): Promise<Set<string>>;
  /** Whether the container or sandbox with this ID is alive now, and how it exited if not (a non-verbose status call). */
  isAlive(id: string, sandbox: boolean | undefined, signal: AbortSignal): Promise<CriLiveness>;
  /**
   * Opens `GetContainerEvents`; `sent` settles once the request reached the
   * connection. Undefined when events are switched off.
   */
  openEvents?(signal: AbortSignal): { readonly events: AsyncIterator<CriRuntimeEvent>; readonly sent: Promise<void> };
  /** Whether a failure of the events call means the runtime never serves events (UNIMPLEMENTED): no reopen then. */
  eventsUnimplemented(error: unknown): boolean;
  /** IDs whose last list or inspect was a logged skip: announced again at every relist until they convert. */
  readonly skipped: ReadonlySet<string>;
}

/** Options of {@linkcode CriEventStream}. */
export interface CriEventStreamOptions {
  /** The client's calls. */
  readonly source: CriStreamSource;
  /** Ends the stream when aborted. */
  readonly signal: AbortSignal;
  /** Time between two relists. */
  readonly relistIntervalMs: number;
  /** Delays between attempts to reopen events that ended or failed. */
  readonly reopenBackoff: BackoffOptions;
  /** Told the mode once it is known, and again whenever the events give out or come back. */
  readonly onMode: (mode: CriEventMode) => void;
  /** Told when a relist starts; returns the relist's number, which its corrections carry. */
  readonly onRelistStart: () => number;
  /** Told of every transition the relist found that no event had announced, with the number of that relist. */
  readonly onCorrection: (correction: CriCorrection) => void;
  /** Receives notes on events that stopped working. */
  readonly warn: (message: string) => void;
  /** Turns a call's failure into the typed error the iteration throws. */
  readonly error: (error: unknown) => Error;
}

/**
 * A transition the relist found that no event had announced.
 *
 * @example Which relist corrected what
 * ```ts
 * import { CriClient, type CriCorrection } from "@whalewatcher/whalewatcher";
 *
 * const seen: CriCorrection[] = [];
 * await using client = new CriClient({ socket: "/var/run/crio/crio.sock", onCorrection: (c) => seen.push(c) });
 * console.log(client.relists, seen.map((c) => `relist ${c.relist}: ${c.type} ${c.id}`));
 * ```
 */
export interface CriCorrection {
  /** The number of the relist that found it (see {@linkcode CriClient.relists}). */
  readonly relist: number;
  /** What the relist announced. */
  readonly type: "started" | "exited";
  /** The container or sandbox ID. */
  readonly id: string;
}

/** How the events call went: open (and maybe sending), ended at once, or failed. */
type Opening =
  | { readonly kind: "open"; readonly first: Promise<IteratorResult<CriRuntimeEvent>>; readonly events: AsyncIterator<CriRuntimeEvent> }
  | { readonly kind: "ended" }
  | { readonly kind: "failed"; readonly error: unknown };

const STARTED = 1;
const STOPPED = 2;
const DELETED = 3;

/**
 * An {@linkcode EventStream} built from CRI events and relists. Iteration
 * ends quietly when the signal aborts and throws when a list or status call
 * fails (a lost connection: the watcher resyncs).
 */
export class CriEventStream implements EventStream {
  /** Settles once the events (where available) are requested and the first relist baseline is taken. */
  readonly subscribed: Promise<void>;
  readonly #options: CriEventStreamOptions;
  /** The stream's own lifetime: the caller's signal, or the end of iteration. */
  readonly #life: LinkedSignal;
  /** IDs this stream believes alive: the baseline, plus what it announced since. */
  #known = new Set<string>();
  readonly #queue: EngineEvent[] = [];
  #wake: Deferred<void> = deferred<void>();
  #failure: { error: unknown } | undefined;
  #done = false;
  /** Serializes event handling and relists, so that each sees the other's effect on `#known`. */
  #serial: Promise<void> = Promise.resolve();

  /** Starts subscribing at once; see {@linkcode CriEventStream.subscribed}. */
  constructor(options: CriEventStreamOptions) {
    this.#options = options;
    this.#life = linkSignals(options.signal);
    this.#life.signal.addEventListener("abort", () => this.#end(), { once: true });
    this.subscribed = this.#start();
    this.subscribed.catch((error: unknown) => this.#fail(error));
  }

  async #start(): Promise<void> {
    const { source } = this.#options;
    const signal = this.#life.signal;
    const opening = source.openEvents !== undefined ? await this.#open(source.openEvents) : undefined;
    // Unary calls made after the events request on the same connection reach the runtime after it.
    try {
      this.#known = await source.aliveIds(signal);
    } catch (error) {
      throw this.#options.error(error);
    }
    void this.#relistLoop();
    if (opening === undefined) {
      this.#options.onMode("relist-only");
      return;
    }
    const outcome = await this.#classify(opening);
    if (outcome.kind === "open") {
      this.#options.onMode("evented+relist");
      void this.#pump(outcome.first, outcome.events);
      return;
    }
    this.#options.onMode("relist-only");
    const final = outcome.kind === "failed" && source.eventsUnimplemented(outcome.error);
    this.#options.warn(
      `CRI events unavailable (${describe(outcome.kind === "failed" ? outcome.error : "ended")}); relisting every ${this.#options.relistIntervalMs} ms` +
        (final ? "" : ", reopening them with backoff"),
    );
    if (!final) void this.#reopen();
  }

  /** Requests the events; resolves once the request reached the connection (or the call settled first). */
  async #open(openEvents: NonNullable<CriStreamSource["openEvents"]>): Promise<Opening> {
    const opened = openEvents(this.#life.signal);
    const first = opened.events.next();
    first.catch(() => {}); // observed by #classify
    await Promise.race([opened.sent, first.then(() => {}, () => {})]);
    return { kind: "open", first, events: opened.events };
  }

  /**
   * Tells an open stream from one that ended or failed at once; called after
   * a round trip made behind the events request, by which a runtime without
   * events has answered (UNIMPLEMENTED, or an empty stream that ended).
   */
  async #classify(opening: Opening): Promise<Opening> {
    if (opening.kind !== "open") return opening;
    return await Promise.race([
      opening.first.then((result): Opening => (result.done ? { kind: "ended" } : opening), (error: unknown): Opening => ({ kind: "failed", error })),
      sleep(0).then(() => opening),
    ]);
  }

  /** Feeds runtime events, one at a time, through their confirmation; relists only, and reopens, when they end. */
  async #pump(first: Promise<IteratorResult<CriRuntimeEvent>>, events: AsyncIterator<CriRuntimeEvent>): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      for (let result = await first; !result.done; result = await events.next()) {
        const event = result.value;
        await this.#serialized(() => this.#confirm(event));
        if (this.#done) return;
      }
    } catch (error) {
      failure = { error };
    }
    if (this.#done) return;
    this.#options.onMode("relist-only");
    if (failure !== undefined && this.#options.source.eventsUnimplemented(failure.error)) {
      this.#options.warn(`the CRI runtime stopped serving events (${describe(failure.error)}); relisting only`);
      return;
    }
    const why = failure === undefined ? "the CRI runtime ended its event stream" : `the CRI event stream failed (${describe(failure.error)})`;
    this.#options.warn(`${why}; relisting only until it is reopened`);
    void this.#reopen();
  }

  /**
   * Reopens the events with backoff until a stream stays open (then pumps
   * it) or the runtime says UNIMPLEMENTED. Each attempt relists right behind
   * its request: that corrects what happened while no stream was open, and
   * is the round trip {@linkcode CriEventStream.#classify} waits for.
   */
  async #reopen(): Promise<void> {
    const { source, reopenBackoff } = this.#options;
    const openEvents = source.openEvents;
    if (openEvents === undefined) return;
    const backoff = new Backoff(reopenBackoff);
    const signal = this.#life.signal;
    try {
      for (let delay = backoff.next(); delay !== undefined; delay = backoff.next()) {
        await sleep(delay, signal);
        const opening = await this.#open(openEvents);
        await this.#serialized(() => this.#relist());
        const outcome = await this.#classify(opening);
        if (this.#done) return;
        if (outcome.kind === "open") {
          this.#options.warn("the CRI event stream is open again");
          this.#options.onMode("evented+relist");
          void this.#pump(outcome.first, outcome.events);
          return;
        }
        if (outcome.kind === "failed" && source.eventsUnimplemented(outcome.error)) {
          this.#options.warn(`CRI events unavailable (${describe(outcome.error)}); relisting only`);
          return;
        }
      }
      this.#options.warn(`gave up reopening the CRI event stream after ${backoff.retries} attempts; relisting only`);
    } catch (error) {
      if (!signal.aborted) this.#fail(this.#options.error(error));
    }
  }

  /** Confirms one runtime event with a status call; announces it only when it changes what the stream knows. */
  async #confirm(event: CriRuntimeEvent): Promise<void> {
    if (event.type !== STARTED && event.type !== STOPPED && event.type !== DELETED) return; // created, or unknown
    const status = await this.#options.source.isAlive(event.id, event.sandbox || undefined, this.#life.signal);
    const time = event.time > 0 ? event.time : Date.now();
    if (status.alive && !this.#known.has(event.id)) {
      this.#known.add(event.id);
      this.#push({ type: "started", id: event.id, time });
    } else if (!status.alive && this.#known.has(event.id)) {
      this.#known.delete(event.id);
      this.#push(exited(event.id, time, status));
    }
  }

  async #relistLoop(): Promise<void> {
    const { relistIntervalMs } = this.#options;
    const signal = this.#life.signal;
    try {
      while (!this.#done) {
        await sleep(relistIntervalMs, signal);
        await this.#serialized(() => this.#relist());
      }
    } catch (error) {
      if (!signal.aborted) this.#fail(this.#options.error(error));
    }
  }

  /** One relist: announces what appeared or vanished since the stream last knew, confirming each vanished one. */
  async #relist(): Promise<void> {
    const { source } = this.#options;
    const signal = this.#life.signal;
    const relist = this.#options.onRelistStart();
    const alive = await source.aliveIds(signal);
    const now = Date.now();
    for (const id of [...this.#known].sort()) {
      if (alive.has(id)) continue;
      // Gone from the list; a status call makes sure (a list can race with a start announced meanwhile).
      const status = await source.isAlive(id, undefined, signal);
      if (status.alive) continue;
      this.#known.delete(id);
      this.#options.onCorrection({ relist, type: "exited", id });
      this.#push(exited(id, now, status));
    }
    for (const id of [...alive].sort()) {
      if (!this.#known.has(id)) {
        this.#known.add(id);
        this.#options.onCorrection({ relist, type: "started", id });
        this.#push({ type: "started", id, time: now });
      } else if (source.skipped.has(id)) {
        // Its details could not be read last time: let the watcher inspect it again.
        this.#push({ type: "started", id, time: now });
      }
    }
  }

  #serialized(fn: () => Promise<void>): Promise<void> {
    const next = this.#serial.then(fn);
    this.#serial = next.catch(() => {});
    return next;
  }

  #push(event: EngineEvent): void {
    if (this.#done) return;
    this.#queue.push(event);
    this.#wake.resolve();
  }

  #fail(error: unknown): void {
    if (this.#done || this.#failure !== undefined) return;
    this.#failure = { error };
    this.#wake.resolve();
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#wake.resolve();
    // Stops the relist timer and cancels the events call.
    this.#life.abort();
    this.#life.dispose();
  }

  /** Yields the announced events; see the class documentation for how iteration ends. */
  async *[Symbol.asyncIterator](): AsyncGenerator<EngineEvent, void, undefined> {
    try {
      for (;;) {
        const event = this.#queue.shift();
        if (event !== undefined) {
          yield event;
          continue;
        }
        if (this.#done) return;
        if (this.#failure !== undefined) throw this.#failure.error;
        this.#wake = deferred<void>();
        await this.#wake.promise;
      }
    } finally {
      this.#end();
    }
  }
}

/** An exit event, with the runtime's exit code and time where its status told them. */
function exited(id: string, time: number, status: { readonly exit?: EngineExit }): EngineEvent {
  return { type: "exited", id, project: PROJECT_UNKNOWN, time: status.exit?.time ?? time, ...(status.exit ? { exit: status.exit } : {}) };
}

function describe(error: unknown): string {
  if (error === "ended") return "the stream ended at once";
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
