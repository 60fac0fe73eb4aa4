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

  /** Hands `items` to every subscriber; never blocks, never throws. After `end()` nobody is subscribed. */
  publish(items: readonly T[]): void {
    // Copy: a subscriber that overflows removes itself while we iterate.
    for (const subscription of [...this.#subscribers]) subscription.push(items);
  }

  /**
   * Ends every subscription after it has delivered what it buffered: quietly,
   * or by throwing `error` when one is given. Later publishes are ignored.
   */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = { error };
    // each removes itself as it ends
    for (const subscription of [...this.#subscribers]) subscription.end(error);
  }
}

/** A pending `next()`. */
type Waiter<T> = Deferred<IteratorResult<T, undefined>>;

/** The implementation of {@linkcode Subscription}; the fan-out alone pushes into it and ends it. */
class Subscriber<T> implements Subscription<T> {
  readonly #buffer: number;
  /**
   * The buffered items as two stacks (amortised O(1) per item, no compaction): `#out` holds the oldest,
   * the next one last (taken with `pop()`); `#in` those queued after them, oldest first; it is reversed
   * into `#out` when `#out` runs empty. The initial items start in `#out`.
   */
  #out: T[];
  #in: T[] = [];
  /** How many of the buffered items are initial ones: taken first, they do not count against `#buffer`. */
  #initialLeft: number;
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
    this.#out = options.initial ? [...options.initial].reverse() : [];
    this.#initialLeft = this.#out.length;
    this.#unsubscribe = unsubscribe;
    this.#signal = options.signal;
    if (this.#signal?.aborted) {
      this.#finish();
    } else {
      // #finish removes it, also after it fired
      this.#signal?.addEventListener("abort", this.#onAbort);
    }
  }

  get finished(): boolean {
    return this.#finished;
  }

  get pending(): number {
    return this.#out.length + this.#in.length;
  }

  /**
   * Queues published items, or overflows. Only the fan-out calls it, and only while subscribed: not after
   * this subscription ended or finished (both unsubscribe it).
   */
  push(items: readonly T[]): void {
    for (const item of items) {
      // waiters exist only while nothing is buffered
      const waiter = this.#waiters.shift();
      if (waiter) {
        waiter.resolve({ value: item, done: false });
      } else if (this.pending - this.#initialLeft >= this.#buffer) {
        // Stop receiving right away, so that the publisher stops paying for us.
        this.end(new SubscriberOverflowError(this.#buffer));
        return;
      } else {
        this.#in.push(item);
      }
    }
  }

  /**
   * Ends the subscription after the buffered items: quietly, or throwing `error`. Called once, while
   * subscribed, or on a new subscription of an ended fan-out (which may have finished already: an aborted
   * signal; then nothing waits and `next()` is done anyway).
   */
  end(error?: unknown): void {
    this.#end = { error };
    this.#unsubscribe(this);
    this.#settleWaiters(error);
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
    if (this.#out.length === 0) {
      this.#out = this.#in.reverse();
      this.#in = [];
    }
    if (this.#out.length === 0) return undefined;
    if (this.#initialLeft > 0) this.#initialLeft--;
    return { value: this.#out.pop() as T };
  }

  /**
   * At the end, the waiting `next()`s learn how it ended (waiters exist only while nothing is buffered);
   * with nobody waiting, `next()` tells it after the buffered items.
   */
  #settleWaiters(error: unknown): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters.splice(0);
    this.#finish();
    for (const [index, waiter] of waiters.entries()) {
      // Only the first waiter gets the error, like an iterator that throws once and then is done.
      if (error !== undefined && index === 0) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  /** Marks it finished and drops everything; repeating it changes nothing. */
  #finish(): void {
    this.#finished = true;
    this.#unsubscribe(this);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#out = [];
    this.#in = [];
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }
}
