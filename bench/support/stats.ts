/**
 * Small statistics and formatting helpers shared by the benchmarks.
 *
 * @module
 */

/**
 * The q-quantile (0…1) of `values`, nearest rank; the median interpolates for even counts.
 *
 * @example
 * ```ts
 * import { quantile } from "./stats.ts";
 * console.assert(quantile([3, 1, 2], 0.5) === 2);
 * ```
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (q === 0.5 && sorted.length % 2 === 0) return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * The median of `values`.
 *
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * console.assert(median([1, 2, 3, 4]) === 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Least-squares slope of `ys` over `xs` (units of y per unit of x).
 *
 * @example
 * ```ts
 * import { slope } from "./stats.ts";
 * console.assert(slope([0, 1, 2], [1, 3, 5]) === 2);
 * ```
 */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * A Markdown table from a header row and body rows.
 *
 * @example
 * ```ts
 * import { table } from "./stats.ts";
 * console.log(table(["a", "b"], [["1", "2"]]));
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/**
 * Milliseconds with one decimal.
 *
 * @example
 * ```ts
 * import { ms } from "./stats.ts";
 * console.assert(ms(1.234) === "1.2 ms");
 * ```
 */
export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** A named thing a bench times. */
export type Variant = readonly [name: string, run: () => Promise<unknown>];

/**
 * Runs every variant once per round, the order reversed every other round (so
 * that none always runs first, on a warmer or colder machine), and returns
 * each variant's times in milliseconds, indexed by round: variants of one round
 * ran back to back under the same load, so their per-round ratios are fair.
 */
export async function interleavedRounds(variants: readonly Variant[], rounds: number): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of round % 2 ? variants : [...variants].reverse()) {
      const start = performance.now();
      await run();
      times.get(name)!.push(performance.now() - start);
    }
  }
  return times;
}

/** Per round, the times of `over` divided by those of `under` (both from {@linkcode interleavedRounds}). */
export function perRoundRatios(over: readonly number[], under: readonly number[]): number[] {
  return over.map((time, round) => time / under[round]!);
}
