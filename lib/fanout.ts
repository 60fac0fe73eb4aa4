/**
 * Fan-out of published items to many subscribers, each with its own bounded
 * buffer, so that a slow subscriber never blocks the publisher or the other
 * subscribers — and never loses items silently.
 *
 * @module
 */

import { deferred } from "./async/deferred.ts";
import type { Deferred } from "./async/deferred.ts";
import { SubscriberOverflowError } from "./errors.ts";

/** Options of {@linkcode Fanout.subscribe}. */
export interface SubscribeOptions<T> {
  /** How many published, undelivered items the subscriber may lag behind; at least 1. */
  buffer: number;
  /** Ends the subscription quietly when aborted. */
  signal?: AbortSignal;
  /** Items delivered first, before anything published after subscribing; they do not count against `buffer`. */
  initial?: Iterable<T>;
}

/**
 * One subscriber's view of a {@linkcode Fanout}: an async iterator over the
 * items, with a bounded buffer. When the buffer overflows, the subscription
 * stops receiving, delivers what it had buffered, and then its iteration
 * throws {@linkcode SubscriberOverflowError} (once; then it is done).
 *
 * Breaking out of a `for await` loop, calling `return()`, aborting the
 * signal or disposing it (`await using`) unsubscribes and frees the buffer.
 * A subscription can be iterated once.
 *
 * @example A subscription is an async iterator you can dispose
 * ```ts
 * import { DockerClient, type LifecycleEvent, type Subscription, Watcher } from "@whalewatcher/whalewatcher";
 *
 * await using watcher = new Watcher(new DockerClient());
 * void watcher.watch();
 * await watcher.ready;
 * {
 *   await using events: Subscription<LifecycleEvent> = watcher.events({ initial: true, signal: AbortSignal.timeout(500) });
 *   const first = await events.next();
 *   console.log(first.done ? "no containers yet" : first.value.container.name, events.pending, "more buffered");
 * } // disposed here: unsubscribed
 * ```
 */
export interface Subscription<T> extends AsyncIterableIterator<T, undefined>, AsyncDisposable {
  /** The number of items buffered and not yet delivered (initial items included). */
  readonly pending: number;
  /** Whether the subscription has finished: it delivers nothing more. */
  readonly finished: boolean;
  /** Unsubscribes and drops the buffer; pending `next()` calls resolve as done. */
  return(): Promise<IteratorResult<T, undefined>>;
}

/**
 * Publishes items synchronously to every current subscriber.
 *
 * Subscribing and publishing are synchronous, so a subscriber created in the
 * same synchronous step as a snapshot of the publisher's state (its `initial`
 * items) sees exactly the items published after that snapshot: no gap, no
 * duplicate.
 */
export class Fanout<T> {
  readonly #subscribers = new Set<Subscriber<T>>();
  #ended: { error?: unknown } | undefined;

  /** The number of active subscriptions. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Whether {@linkcode Fanout.end} was called. */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * Creates a subscription that receives every item published from now on,
   * preceded by `initial`. After {@linkcode Fanout.end}, a new subscription
   * delivers `initial` and then ends the same way the fan-out did.
   */
  subscribe(options: SubscribeOptions<T>): Subscription<T> {
    const subscription = new Subscriber<T>(options, (s) => this.#subscribers.delete(s));
    if (this.#ended) {
      subscription.end(this.#ended.error);
    } else if (!subscription.finished) {
      this.#subscribers.add(subscription);
    }
    return subscription;
  }

  /** Hands `items` to every subscriber; never blocks, never throws. */
  publish(items: readonly T[]): void {
    if (this.#ended || items.length === 0) return;
    // Copy: a subscriber that overflows removes itself while we iterate.
    for (const subscription of [...this.#subscribers]) subscription.push(items);
  }

  /**
   * Ends every subscription after it has delivered what it buffered: quietly,
   * or by throwing `error` when one is given. Later publishes are ignored.
   */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = error === undefined ? {} : { error };
    for (const subscription of [...this.#subscribers]) subscription.end(error);
    this.#subscribers.clear();
  }
}

/** A pending `next()`. */
type Waiter<T> = Deferred<IteratorResult<T, undefined>>;

/** The implementation of {@linkcode Subscription}; the fan-out alone pushes into it and ends it. */
class Subscriber<T> implements Subscription<T> {
  readonly #buffer: number;
  readonly #queue: T[] = [];
  #head = 0;
  #initial: T[];
  #initialHead = 0;
  readonly #waiters: Waiter<T>[] = [];
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => void this.#finish();
  readonly #unsubscribe: (subscriber: Subscriber<T>) => void;
  /** Set once no more items will be queued: `error` is thrown after the buffered items. */
  #end: { error?: unknown } | undefined;
  #finished = false;

  constructor(options: SubscribeOptions<T>, unsubscribe: (subscriber: Subscriber<T>) => void) {
    if (!Number.isSafeInteger(options.buffer) || options.buffer < 1) {
      throw new RangeError(`subscriber buffer must be a positive integer, got ${options.buffer}`);
    }
    this.#buffer = options.buffer;
    this.#initial = options.initial ? [...options.initial] : [];
    this.#unsubscribe = unsubscribe;
    this.#signal = options.signal;
    if (this.#signal?.aborted) {
      this.#finish();
    } else {
      this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  get finished(): boolean {
    return this.#finished;
  }

  get pending(): number {
    return this.#initial.length - this.#initialHead + this.#queue.length - this.#head;
  }

  /** Queues published items, or overflows. */
  push(items: readonly T[]): void {
    if (this.#end || this.#finished) return;
    for (const item of items) {
      const waiter = this.pending === 0 ? this.#waiters.shift() : undefined;
      if (waiter) {
        waiter.resolve({ value: item, done: false });
      } else if (this.#queue.length - this.#head >= this.#buffer) {
        // Stop receiving right away, so that the publisher stops paying for us.
        this.end(new SubscriberOverflowError(this.#buffer));
        return;
      } else {
        this.#queue.push(item);
      }
    }
  }

  /** Ends the subscription after the buffered items: quietly, or throwing `error`. */
  end(error?: unknown): void {
    if (this.#end || this.#finished) return;
    this.#end = error === undefined ? {} : { error };
    this.#unsubscribe(this);
    this.#settleWaiters();
  }

  /** Delivers the next item; see {@linkcode Subscription} for how it ends. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#finished) return Promise.resolve({ value: undefined, done: true });
    const item = this.#take();
    if (item) return Promise.resolve({ value: item.value, done: false });
    if (this.#end) {
      const { error } = this.#end;
      this.#finish();
      return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    const waiter: Waiter<T> = deferred();
    this.#waiters.push(waiter);
    return waiter.promise;
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Returns this iterator: a subscription can be iterated once. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Same as `return()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  #take(): { value: T } | undefined {
    if (this.#initialHead < this.#initial.length) {
      const value = this.#initial[this.#initialHead] as T;
      this.#initial[this.#initialHead++] = undefined as T; // let it be collected
      if (this.#initialHead === this.#initial.length) {
        this.#initial = [];
        this.#initialHead = 0;
      }
      return { value };
    }
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head] as T;
      this.#queue[this.#head++] = undefined as T;
      // Compact now and then instead of shift()ing every time (O(n) each).
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      return { value };
    }
    return undefined;
  }

  /** Waiters exist only while nothing is buffered; once ended they learn how it ended. */
  #settleWaiters(): void {
    if (this.#waiters.length === 0 || this.pending > 0 || !this.#end) return;
    const { error } = this.#end;
    const waiters = this.#waiters.splice(0);
    this.#finish();
    for (const [index, waiter] of waiters.entries()) {
      // Only the first waiter gets the error, like an iterator that throws once and then is done.
      if (error !== undefined && index === 0) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#end ??= {};
    this.#unsubscribe(this);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#queue.length = 0;
    this.#head = 0;
    this.#initial = [];
    this.#initialHead = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }
}
