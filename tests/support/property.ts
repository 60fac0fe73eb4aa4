/**
 * Seeds for property tests: every run checks a fixed set of seeds (the same cases on every machine and on
 * CI) plus one random seed (new cases each run); a failure names its seed and path, and
 * `WW_PROPERTY_SEED=<seed> [WW_PROPERTY_PATH=<path>]` replays exactly that case. `WW_PROPERTY_RUNS` scales
 * the number of runs; `WW_PROPERTY_SHRINK=0` skips shrinking.
 *
 * @module
 */
import fc from "fast-check";

/** The fixed seeds every run checks (arbitrary constants: change them only together with a reason). */
export const FIXED_SEEDS: readonly number[] = [0x5eed_0001, 0x5eed_0002, 0x5eed_0003];

/** `WW_PROPERTY_RUNS` if set, else `runs`: the total number of cases over all seeds. */
export function propertyRuns(runs: number): number {
  const env = Number(process.env.WW_PROPERTY_RUNS);
  return Number.isFinite(env) && env > 0 ? env : runs;
}

/** One seed's run: what fast-check was given and what it says. */
interface SeededRun {
  readonly seed: number;
  readonly path?: string;
}

/** The seeds to run: the replay of `WW_PROPERTY_SEED` alone, or the fixed ones plus a random one. */
export function seedsToRun(random: () => number = Math.random): SeededRun[] {
  const seed = process.env.WW_PROPERTY_SEED;
  if (seed !== undefined && seed !== "") {
    const path = process.env.WW_PROPERTY_PATH;
    return [{ seed: Number(seed), ...(path ? { path } : {}) }];
  }
  return [...FIXED_SEEDS.map((s) => ({ seed: s })), { seed: Math.floor(random() * 0x7fff_ffff) }];
}

/**
 * Checks `property` with `runs` cases split over {@link seedsToRun}. On a failure, the thrown error says
 * the seed, the counterexample's path and the environment that replays it (also written to stderr, so
 * that it shows up in a CI log even when the runner trims the error).
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  runs: number,
): Promise<void> {
  const seeds = seedsToRun();
  const perSeed = Math.max(1, Math.ceil(propertyRuns(runs) / seeds.length));
  for (const { seed, path } of seeds) {
    const details = await fc.check(property as fc.IAsyncProperty<Ts>, {
      seed,
      numRuns: path ? 1 : perSeed,
      // WW_PROPERTY_SHRINK=0 (set by `npm run mutate`): report the first counterexample as found, without
      // shrinking it; a mutant only needs to be caught, and shrinking reruns a failing case many times.
      endOnFailure: process.env.WW_PROPERTY_SHRINK === "0",
      ...(path ? { path } : {}),
    });
    if (!details.failed) continue;
    const replay = `WW_PROPERTY_SEED=${details.seed} WW_PROPERTY_PATH=${details.counterexamplePath ?? ""}`;
    const message = `${name}: property failed after ${details.numRuns} runs (seed ${details.seed}, path ` +
      `${details.counterexamplePath}); replay with ${replay}\n` +
      `counterexample: ${fc.stringify(details.counterexample)}\n` +
      `${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`;
    process.stderr.write(`[property] ${message.split("\n")[0]}\n`);
    throw new Error(message, { cause: details.errorInstance });
  }
}
