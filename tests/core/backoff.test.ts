import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Backoff, backoffDelays, DEFAULT_BACKOFF, resolveBackoffOptions } from "../../lib/backoff.ts";
import type { BackoffJitter, BackoffOptions } from "../../lib/backoff.ts";

const take = (n: number, options: BackoffOptions, random?: () => number): number[] => {
  const out: number[] = [];
  for (const delay of backoffDelays(options, random)) {
    if (out.length === n) break;
    out.push(delay);
  }
  return out;
};

const optionsArbitrary = fc.record({
  initialMs: fc.integer({ min: 0, max: 10_000 }),
  extraMs: fc.integer({ min: 0, max: 100_000 }),
  factor: fc.double({ min: 1, max: 10, noNaN: true }),
  jitter: fc.constantFrom<BackoffJitter>("full", "decorrelated", "none"),
  maxRetries: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(Infinity)),
}).map(({ extraMs, ...o }) => ({ ...o, maxMs: o.initialMs + extraMs }));

// A random source in [0, 1) driven by fast-check, so failures shrink and replay.
const randomsArbitrary = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1 });
const cycling = (values: number[]): () => number => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

describe("backoffDelays", () => {
  it("without jitter doubles from initialMs and saturates at maxMs", () => {
    // maxRetries given: a generator that yields nothing ends (and fails here) instead of spinning forever
    assert.deepEqual(take(8, { initialMs: 100, maxMs: 1000, jitter: "none", maxRetries: 7 }), [100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it("yields exactly maxRetries delays; 0 means none", () => {
    // take() bounds the count: an endless generator fails the assertion rather than hanging
    assert.equal(take(10, { maxRetries: 0 }).length, 0);
    assert.equal(take(10, { maxRetries: 3 }).length, 3);
  });

  it("is endless by default", () => {
    assert.equal(DEFAULT_BACKOFF.maxRetries, Infinity);
    assert.equal(take(500, {}).length, 500);
  });

  it("full jitter scales the envelope by the random value", () => {
    assert.deepEqual(take(5, { initialMs: 100, maxMs: 1000, jitter: "full", maxRetries: 4 }, () => 0.5), [50, 100, 200, 400]);
    assert.deepEqual(take(4, { initialMs: 100, jitter: "full", maxRetries: 3 }, () => 0), [0, 0, 0]);
  });

  it("decorrelated jitter stays between initialMs and factor × previous", () => {
    // random 1-ε approaches the upper bound: 100 → ~300 → ~900 → cap
    const delays = take(5, { initialMs: 100, maxMs: 1000, factor: 3, jitter: "decorrelated", maxRetries: 4 }, () => 0.999999);
    assert.equal(delays.length, 4);
    assert.ok(Math.abs((delays[0] as number) - 300) < 1, String(delays));
    assert.ok(Math.abs((delays[1] as number) - 900) < 1, String(delays));
    assert.ok((delays[3] as number) <= 1000);
    assert.deepEqual(take(4, { initialMs: 100, maxMs: 1000, jitter: "decorrelated", maxRetries: 3 }, () => 0), [100, 100, 100]);
  });

  it("property: every delay lies in [0, maxMs], count is min(maxRetries, n), deterministic for a given random", () => {
    fc.assert(
      fc.property(optionsArbitrary, randomsArbitrary, (options, randoms) => {
        const n = 80;
        const a = take(n, options, cycling(randoms));
        const b = take(n, options, cycling(randoms));
        assert.deepEqual(a, b);
        assert.equal(a.length, Math.min(options.maxRetries, n));
        for (const delay of a) {
          assert.ok(Number.isFinite(delay) && delay >= 0 && delay <= options.maxMs, `${delay} outside [0, ${options.maxMs}]`);
          if (options.jitter === "decorrelated") assert.ok(delay >= options.initialMs, `${delay} < ${options.initialMs}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("property: full jitter never exceeds the un-jittered envelope, which never decreases", () => {
    fc.assert(
      fc.property(optionsArbitrary, randomsArbitrary, (options, randoms) => {
        const envelope = take(60, { ...options, jitter: "none" });
        const jittered = take(60, { ...options, jitter: "full" }, cycling(randoms));
        envelope.forEach((bound, i) => {
          assert.ok((jittered[i] as number) <= bound);
          if (i > 0) assert.ok(bound >= (envelope[i - 1] as number));
        });
        const reachesCap = options.maxRetries >= 60 && options.initialMs * options.factor ** 59 > options.maxMs * 1.001; // margin: float rounding
        if (reachesCap) assert.equal(envelope.at(-1), options.maxMs);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects nonsensical options", () => {
    const rejects = (options: BackoffOptions, message: string): void =>
      assert.throws(() => resolveBackoffOptions(options), { name: "RangeError", message });
    rejects({ initialMs: -1 }, "backoff initialMs must be a finite number >= 0, got -1");
    rejects({ initialMs: 100, maxMs: 10 }, "backoff maxMs must be a finite number >= initialMs (100), got 10");
    rejects({ factor: 0.5 }, "backoff factor must be a finite number >= 1, got 0.5");
    rejects({ maxRetries: 1.5 }, "backoff maxRetries must be a non-negative integer or Infinity, got 1.5");
    rejects({ maxRetries: -1 }, "backoff maxRetries must be a non-negative integer or Infinity, got -1");
    rejects({ jitter: "lots" as BackoffJitter }, 'backoff jitter must be "full", "decorrelated" or "none", got lots');
    rejects({ initialMs: NaN }, "backoff initialMs must be a finite number >= 0, got NaN");
  });

  it("treats undefined option fields as defaults", () => {
    assert.deepEqual(resolveBackoffOptions({ initialMs: undefined, maxRetries: 2 }), { ...DEFAULT_BACKOFF, maxRetries: 2 });
  });
});

describe("Backoff", () => {
  it("counts retries, runs out after maxRetries, and starts over after reset", () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 100, jitter: "none", maxRetries: 2 });
    assert.deepEqual(backoff.options, { ...DEFAULT_BACKOFF, initialMs: 10, maxMs: 100, jitter: "none", maxRetries: 2 });
    assert.equal(backoff.next(), 10);
    assert.equal(backoff.next(), 20);
    assert.equal(backoff.retries, 2);
    assert.equal(backoff.next(), undefined);
    assert.equal(backoff.retries, 2, "running out is no retry");
    backoff.reset();
    assert.equal(backoff.retries, 0);
    assert.equal(backoff.next(), 10);
  });

  it("never retries with maxRetries 0", () => {
    assert.equal(new Backoff({ maxRetries: 0 }).next(), undefined);
  });
});

// The abortable sleep between retries (lib/async/wait.ts) is tested in async.test.ts, by the timers it sets,
// fires and clears.
