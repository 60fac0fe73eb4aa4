/**
 * Reducer inputs applied strictly in the order their events arrived, though
 * some of them (start events, which need an inspection first) become ready
 * later than others.
 *
 * @module
 */

import { deferred } from "./async/deferred.ts";
import type { ReducerInput } from "./reducer.ts";

interface Slot {
  input: ReducerInput | undefined;
  ready: boolean;
  /** Resolves when the slot was applied or dropped. */
  readonly done: Promise<void>;
  readonly settle: () => void;
}

/** A queue that applies inputs in arrival order as soon as all before them are ready. */
export class OrderedInputs {
  readonly #slots: Slot[] = [];
  readonly #apply: (input: ReducerInput) => void;
  #stopped = false;

  /** `apply` receives each input in order; nothing after {@linkcode OrderedInputs.stop}. */
  constructor(apply: (input: ReducerInput) => void) {
    this.#apply = apply;
  }

  /** Queues an input that is ready now (after {@linkcode OrderedInputs.stop}: drops it). */
  push(input: ReducerInput): void {
    this.reserve()(input);
  }

  /**
   * Queues a place for an input that is known later; call the returned
   * function with it (or with `undefined` when there is nothing to apply).
   */
  reserve(): (input: ReducerInput | undefined) => void {
    // A stopped queue holds nothing, so that applied() never waits on what it will not apply.
    if (this.#stopped) return () => {};
    const done = deferred<void>();
    const slot: Slot = { input: undefined, ready: false, done: done.promise, settle: () => done.resolve() };
    this.#slots.push(slot);
    return (input) => {
      slot.input = input;
      slot.ready = true;
      this.#drain();
    };
  }

  /** Resolves once every input queued so far has been applied (or the queue stopped). */
  applied(): Promise<void> {
    return this.#slots.at(-1)?.done ?? Promise.resolve();
  }

  /** Applies nothing more; pending {@linkcode OrderedInputs.applied} promises resolve. */
  stop(): void {
    this.#stopped = true;
    for (const slot of this.#slots.splice(0)) slot.settle();
  }

  #drain(): void {
    while (this.#slots[0]?.ready && !this.#stopped) {
      const slot = this.#slots.shift()!;
      if (slot.input) this.#apply(slot.input);
      slot.settle();
    }
  }
}
