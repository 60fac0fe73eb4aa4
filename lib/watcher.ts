/**
 * The engine-neutral watcher: keeps an always-current portfolio of one
 * engine's alive containers and fans its lifecycle events out to
 * subscribers, reconnecting with backoff when the engine goes away.
 *
 * @module
 */

import { deferred } from "./async/deferred.ts";
import type { Deferred } from "./async/deferred.ts";
import { mapConcurrent } from "./async/pool.ts";
import { linkSignals } from "./async/signals.ts";
import { sleep } from "./async/wait.ts";
import { Backoff } from "./backoff.ts";
import type { BackoffOptions } from "./backoff.ts";
import type { EngineClient, EngineEvent, EngineExit, EventStream } from "./engine.ts";
import { EngineError, EngineUnavailableError, WatcherClosedError, WhalewatcherError } from "./errors.ts";
import type { EngineIdentity, LifecycleEvent } from "./events.ts";
import { Fanout } from "./fanout.ts";
import type { Subscription } from "./fanout.ts";
import type { Portfolio, ReadonlyPortfolio } from "./model/portfolio.ts";
import { OrderedInputs } from "./ordered-inputs.ts";
import { initialState, reduce, unexplainedExits } from "./reducer.ts";
import type { ReducerInput, WatchPhase, WatchState } from "./reducer.ts";

/**
 * Where a watcher reports reconnects and skipped input; `console` fits.
 *
 * @example See reconnects on the console
 * ```ts
 * import { DockerClient, Watcher, type WatcherLogger } from "@whalewatcher/whalewatcher";
 *
 * const logger: WatcherLogger = { debug: () => {}, warn: (message) => console.warn("whalewatcher:", message) };
 * await using watcher = new Watcher(new DockerClient(), { logger });
 * void watcher.watch();
 * await watcher.ready;
 * ```
 */
export interface WatcherLogger {
  /** Routine information, e.g. a completed (re)sync. */
  debug(message: string, ...data: unknown[]): void;
  /** Something went wrong and is being handled, e.g. a lost connection and the retry delay. */
  warn(message: string, ...data: unknown[]): void;
}

/**
 * Options of a {@linkcode Watcher}.
 *
 * @example Give up after three failed reconnects in a row
 * ```ts
 * import { DockerClient, Watcher, type WatcherOptions } from "@whalewatcher/whalewatcher";
 *
 * const options: WatcherOptions = { backoff: { initialMs: 100, maxMs: 5_000, maxRetries: 3 }, inspectConcurrency: 4, logger: console };
 * await using watcher = new Watcher(new DockerClient(), options);
 * void watcher.watch();
 * await watcher.ready;
 * console.log(watcher.phase); // "synced"
 * ```
 */
export interface WatcherOptions {
  /** Reconnect backoff; default: 500 ms doubling to 30 s, full jitter, retrying forever. */
  backoff?: BackoffOptions;
  /**
   * How many start events may be inspected at the same time (default 8),
   * and how many dead containers a resync inspects at once for their exit
   * details. The results are applied in event order regardless.
   */
  inspectConcurrency?: number;
  /** Receives reconnect and resync messages; default: silent. */
  logger?: WatcherLogger;
}

/**
 * Options of {@linkcode Watcher.events}.
 *
 * @example The current picture first, then every change, for one second
 * ```ts
 * import { DockerClient, type EventsOptions, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * const options: EventsOptions = { initial: true, buffer: 10_000, signal: AbortSignal.timeout(1_000) };
 * for await (const event of watcher.events(options)) console.log(event.type, event.container.name);
 * ```
 */
export interface EventsOptions {
  /** Ends the iteration quietly when aborted. */
  signal?: AbortSignal;
  /**
   * How many undelivered events this subscriber may lag behind (default
   * {@linkcode DEFAULT_EVENT_BUFFER}); beyond that its iteration throws
   * `SubscriberOverflowError` after delivering what was buffered.
   */
  buffer?: number;
  /** Deliver the current portfolio as `started` events first (they do not count against `buffer`). */
  initial?: boolean;
}

/**
 * Default of {@linkcode EventsOptions.buffer}.
 *
 * @example A subscriber with twice the default buffer
 * ```ts
 * import { DEFAULT_EVENT_BUFFER, DockerClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await using events = watcher.events({ buffer: 2 * DEFAULT_EVENT_BUFFER });
 * console.log(events.pending); // 0: nothing happened yet
 * ```
 */
export const DEFAULT_EVENT_BUFFER = 1024;

/**
 * Default of {@linkcode WatcherOptions.inspectConcurrency}.
 *
 * @example Inspect more containers at once on a busy engine
 * ```ts
 * import { DEFAULT_INSPECT_CONCURRENCY, DockerClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient(), { inspectConcurrency: 2 * DEFAULT_INSPECT_CONCURRENCY });
 * void watcher.watch();
 * await watcher.ready;
 * ```
 */
export const DEFAULT_INSPECT_CONCURRENCY = 8;

const SILENT: WatcherLogger = { debug() {}, warn() {} };

/**
 * Watches one container engine: an always-current {@linkcode Watcher.portfolio}
 * of its alive containers and a lifecycle event stream per subscriber.
 *
 * Start it with {@linkcode Watcher.watch}; await {@linkcode Watcher.ready}
 * when you need the first complete picture; {@linkcode Watcher.close} (or
 * `await using`) releases everything, including the engine client.
 *
 * @example
 * ```ts
 * import { DockerClient, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * const stop = AbortSignal.timeout(1_000);
 * const watching = watcher.watch(stop); // resolves when stopped, rejects if the watch breaks for good
 * await watcher.ready;
 * for (const container of watcher.portfolio.allContainers()) console.log(container.name, container.pid);
 * for await (const event of watcher.events({ initial: true, signal: stop })) console.log(event.type, event.container.name);
 * await watching;
 * ```
 */
export class Watcher implements AsyncDisposable {
  /**
   * Resolves after the first successful sync (subscribed and listed). When
   * the first sync fails, the watcher keeps retrying with its backoff and
   * `ready` stays pending; it rejects only if no sync ever succeeded: with
   * the last error when the retries are exhausted (at once for a
   * non-retryable engine error), with the abort reason when the watch's
   * signal aborts, or with {@linkcode WatcherClosedError} on close. It is
   * marked as handled, so not awaiting it never causes an unhandled rejection.
   */
  readonly ready: Promise<void>;

  readonly #engine: EngineClient;
  readonly #backoff: BackoffOptions | undefined;
  readonly #inspectConcurrency: number;
  readonly #logger: WatcherLogger;
  readonly #fanout = new Fanout<LifecycleEvent>();
  readonly #lifetime = new AbortController();
  #state: WatchState = initialState;
  readonly #ready: Deferred<void> = deferred<void>({ handled: true });
  #watching: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** The newest engine event time seen: where a reconnect asks the engine to replay from. */
  #lastEventTime: number | undefined;

  /** Creates a watcher for `engine`; nothing happens until {@linkcode Watcher.watch}. */
  constructor(engine: EngineClient, options: WatcherOptions = {}) {
    this.#engine = engine;
    this.#backoff = options.backoff;
    new Backoff(options.backoff); // validate now, not at the first reconnect
    const concurrency = options.inspectConcurrency ?? DEFAULT_INSPECT_CONCURRENCY;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`inspectConcurrency must be a positive integer, got ${concurrency}`);
    }
    this.#inspectConcurrency = concurrency;
    this.#logger = options.logger ?? SILENT;
    // Handled: nobody has to await `ready`, its rejection must never become an unhandled one.
    this.ready = this.#ready.promise;
  }

  /** The engine client being watched. */
  get engine(): EngineClient {
    return this.#engine;
  }

  /** The engine type, e.g. `docker.com`. */
  get type(): string {
    return this.#engine.type;
  }

  /** The engine's API endpoint. */
  get api(): string {
    return this.#engine.api;
  }

  /** The engine's PID when known, else 0. */
  get pid(): number {
    return this.#engine.pid;
  }

  /**
   * The engine's instance ID as the last completed (re)sync learned it
   * ({@linkcode EngineClient.id}); "" before the first sync or when the
   * engine has none. A resync after the engine restarted may find another ID.
   */
  get engineId(): string {
    return this.#state.engine.id;
  }

  /**
   * The identity every published event carries: type, API endpoint and the
   * engine ID the last completed sync learned (before the first sync: the
   * client's type and endpoint with an empty ID).
   */
  get identity(): EngineIdentity {
    const engine = this.#state.engine;
    return engine.api === "" ? { type: this.#engine.type, api: this.#engine.api, id: "" } : engine;
  }

  /**
   * Where the watcher stands: `"idle"` before the first sync, `"syncing"`
   * while (re)subscribing and listing, `"synced"` while events flow,
   * `"lost"` between a lost connection and the next attempt. Useful for
   * health checks; the portfolio stays readable in every phase.
   */
  get phase(): WatchPhase {
    return this.#state.phase;
  }

  /**
   * The current portfolio: a consistent snapshot (O(1) to take) that never
   * changes under the caller. Empty before the first sync; during a resync
   * it is the last synced picture.
   */
  get portfolio(): ReadonlyPortfolio {
    return this.#state.portfolio.clone();
  }

  /**
   * Subscribes to lifecycle events. Each subscriber has its own bounded
   * buffer, so a slow one never holds up the watcher or the others; when it
   * overflows, its iteration throws `SubscriberOverflowError` after the
   * buffered events. With `initial`, the current portfolio comes first as
   * `started` events, atomically with the events that follow: no gap, no
   * duplicate. Iteration ends when the signal aborts, the subscriber breaks
   * out, or the watch ends (throwing the watch's error if it failed).
   */
  events(options: EventsOptions = {}): Subscription<LifecycleEvent> {
    const initial = options.initial ? startedEvents(this.#state.portfolio, new Date(), this.identity) : undefined;
    return this.#fanout.subscribe({
      buffer: options.buffer ?? DEFAULT_EVENT_BUFFER,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(initial ? { initial } : {}),
    });
  }

  /**
   * Watches the engine until `signal` aborts or {@linkcode Watcher.close} is
   * called (then resolves), or until reconnecting fails more often in a row
   * than the backoff allows, or on a non-retryable engine error (then rejects
   * with the last error, and subscribers' iterations throw it). The returned
   * promise is marked as handled. A watcher watches once: a second call rejects.
   */
  watch(signal?: AbortSignal): Promise<void> {
    if (this.#closing) return Promise.reject(new WatcherClosedError());
    if (this.#watching) return Promise.reject(new WhalewatcherError("watch() can be called only once per watcher"));
    this.#watching = this.#run(signal);
    // Fire-and-forget (`void watcher.watch()`) must not crash the process on
    // failure; the failure also reaches `ready`, subscribers and the logger.
    this.#watching.catch(() => {});
    return this.#watching;
  }

  /**
   * Stops watching, ends every subscriber's iteration (after its buffered
   * events), rejects `ready` if the first sync has not happened, and closes
   * the engine client. Leaves no timer or handle behind. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@linkcode Watcher.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    const closed = new WatcherClosedError();
    this.#lifetime.abort(closed);
    await this.#watching?.catch(() => {});
    this.#ready.reject(closed);
    this.#fanout.end();
    await this.#engine.close();
  }

  async #run(signal: AbortSignal | undefined): Promise<void> {
    const watch = linkSignals(this.#lifetime.signal, signal);
    const backoff = new Backoff(this.#backoff);
    let failure: { error: unknown } | undefined;
    try {
      while (!watch.signal.aborted) {
        const { synced, error } = await this.#connection(watch.signal);
        if (watch.signal.aborted) break;
        if (synced) backoff.reset();
        const delay = retryable(error) ? backoff.next() : undefined;
        if (delay === undefined) {
          this.#logger.warn(`whalewatcher: giving up on ${this.api} after ${backoff.retries} ${backoff.retries === 1 ? "retry" : "retries"}: ${message(error)}`, error);
          failure = { error };
          break;
        }
        this.#logger.warn(
          `whalewatcher: lost ${this.api}: ${message(error)}; retry ${backoff.retries} in ${Math.round(delay)} ms`,
          error,
        );
        try {
          await sleep(delay, watch.signal);
        } catch {
          break; // aborted
        }
      }
    } finally {
      watch.dispose();
    }
    // A settled `ready` ignores these: they matter only when no sync succeeded.
    if (failure) {
      this.#ready.reject(failure.error);
      this.#fanout.end(failure.error);
      throw failure.error;
    }
    this.#ready.reject(watch.signal.reason);
    this.#fanout.end();
  }

  /**
   * One connection: subscribe, list, then fold events until the connection
   * is lost. Resolves (never rejects) with whether it synced and why it ended.
   */
  async #connection(watchSignal: AbortSignal): Promise<{ synced: boolean; error: unknown }> {
    const connection = linkSignals(watchSignal);
    const signal = connection.signal;
    // Rejects when the connection is lost; observed through the races below.
    const lost = deferred<never>({ handled: true });
    const reportLoss = (error: unknown): void => lost.reject(error);
    const onAbort = (): void => reportLoss(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const untilLost = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, lost.promise]);
    let synced = false;
    let consumer: Promise<void> | undefined;
    const inputs = new OrderedInputs((input) => this.#apply(input));
    try {
      const stream = this.#engine.lifecycleEvents({
        signal,
        ...(this.#lastEventTime !== undefined ? { since: this.#lastEventTime } : {}),
      });
      // Subscribe first, then list: events arriving from now on belong to
      // the portfolio being rebuilt, so none falls between subscription and list.
      this.#apply({ kind: "sync-started", time: Date.now() });
      consumer = this.#consume(stream, signal, reportLoss, inputs);
      // Learn the engine's ID on every sync, alongside subscribing and
      // listing: after a restart, another engine instance may answer at the
      // same endpoint, and this sync's events must carry its ID.
      const engineId = this.#engine.id(signal);
      engineId.catch(() => {}); // observed below, or irrelevant once the connection is lost
      await untilLost(stream.subscribed);
      const containers = await untilLost(this.#engine.list(signal));
      const listedAt = Date.now();
      const id = await untilLost(engineId);
      // Events that arrived before the list (a since= replay, say) happened
      // before it: fold them in first, including their pending inspections.
      await untilLost(inputs.applied());
      // Exits that no event told of: ask the engine about the dead containers.
      const exits = await untilLost(this.#inspectExits(unexplainedExits(this.#state, containers), signal));
      await untilLost(inputs.applied());
      const engine: EngineIdentity = Object.freeze({ type: this.#engine.type, api: this.#engine.api, id });
      this.#apply({ kind: "listed", containers, time: listedAt, engine, exits });
      synced = true;
      this.#ready.resolve();
      this.#logger.debug(`whalewatcher: synced with ${this.api}: ${this.#state.portfolio.containerTotal} alive containers`);
      return await lost.promise;
    } catch (error) {
      if (!watchSignal.aborted) this.#apply({ kind: "stream-lost", time: Date.now() });
      return { synced, error };
    } finally {
      connection.abort();
      inputs.stop();
      signal.removeEventListener("abort", onAbort);
      connection.dispose();
      await consumer;
    }
  }

  /**
   * What the engine still knows about the exits of dead containers, by ID,
   * read with a bounded number of inspections at once. An engine without
   * {@linkcode EngineClient.exitDetails}, a container that is gone, or a
   * failing inspection leave the details unknown (absent): they are a
   * nicety, and the resync must not fail for them.
   */
  async #inspectExits(ids: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, EngineExit>> {
    const engine = this.#engine;
    const exits = new Map<string, EngineExit>();
    if (ids.length === 0 || !engine.exitDetails) return exits;
    await mapConcurrent(ids, this.#inspectConcurrency, async (id, itemSignal) => {
      try {
        const exit = await engine.exitDetails!(id, itemSignal);
        if (exit) exits.set(id, exit);
      } catch (error) {
        if (signal.aborted) throw error;
        this.#logger.debug(`whalewatcher: exit details of ${id} from ${this.api} unknown: ${message(error)}`, error);
      }
    }, signal);
    return exits;
  }

  /**
   * Folds a stream's events into the state in event order. Start events are
   * inspected (up to `inspectConcurrency` at once) and applied in their
   * original position. Never rejects: any failure goes to `reportLoss`.
   */
  async #consume(
    stream: EventStream,
    signal: AbortSignal,
    reportLoss: (error: unknown) => void,
    inputs: OrderedInputs,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const event of stream) {
        if (signal.aborted) break;
        if (Number.isFinite(event.time)) this.#lastEventTime = Math.max(this.#lastEventTime ?? event.time, event.time);
        if (event.type !== "started") {
          inputs.push(toInput(event));
          continue;
        }
        const fill = inputs.reserve();
        const inspection = this.#engine.inspect(event.id, signal).then(
          // undefined: gone again or not alive; nothing to add.
          (container) => fill(container ? { kind: "started", container, time: event.time } : undefined),
        ).catch((error) => {
          // Without the details the portfolio would be wrong: resync instead.
          reportLoss(error);
        });
        inFlight.add(inspection);
        void inspection.then(() => inFlight.delete(inspection));
        if (inFlight.size >= this.#inspectConcurrency) await Promise.race(inFlight);
      }
      if (!signal.aborted) {
        reportLoss(new EngineUnavailableError("the engine ended the event stream", { endpoint: this.api, retryable: true }));
      }
    } catch (error) {
      reportLoss(error);
    } finally {
      await Promise.all(inFlight);
    }
  }

  /** Reduces one input and publishes what it emits, in one synchronous step. */
  #apply(input: ReducerInput): void {
    const { state, events } = reduce(this.#state, input);
    this.#state = state;
    if (events.length > 0) this.#fanout.publish(events);
  }
}

function toInput(event: Exclude<EngineEvent, { type: "started" }>): ReducerInput {
  switch (event.type) {
    case "exited":
      return {
        kind: "exited",
        id: event.id,
        project: event.project,
        time: event.time,
        ...(event.exit ? { exit: event.exit } : {}),
        ...(event.pid !== undefined ? { pid: event.pid } : {}),
      };
    case "paused":
    case "unpaused":
      return { kind: event.type, id: event.id, time: event.time };
  }
}

function startedEvents(portfolio: Portfolio, time: Date, engine: EngineIdentity): LifecycleEvent[] {
  return Array.from(portfolio.allContainers(), (container) => ({ type: "started" as const, container, time, engine }));
}

function retryable(error: unknown): boolean {
  return !(error instanceof EngineError) || error.retryable;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
