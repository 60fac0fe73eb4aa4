/**
 * What a benchmark hands to `npm run bench` (scripts/bench.mjs): one line on
 * stdout, {@linkcode RESULT_MARKER} followed by a {@linkcode BenchResult} as
 * JSON. The runner puts `markdown` into BENCHMARKS.md and draws the
 * `headlines` into the SVG chart; a bench without that line still runs, and
 * its output is quoted as it is.
 *
 * @module
 */

/** Prefix of the result line. */
export const RESULT_MARKER = "@@whalewatcher-bench ";

/** One headline figure: a measured value against its goal, both in `unit` (lower is better). */
export interface Headline {
  /** What was measured, e.g. `warm sync Node / Bun`. */
  readonly label: string;
  /** The measured value. */
  readonly value: number;
  /** The goal: the value must not exceed it. */
  readonly goal: number;
  /** `×` for ratios, `MB` for memory. */
  readonly unit: "×" | "MB";
}

/** The result of one benchmark run. */
export interface BenchResult {
  /** Section title in BENCHMARKS.md. */
  readonly title: string;
  /** The section's body (tables, notes), Markdown. */
  readonly markdown: string;
  /** Figures for the chart of headline ratios. */
  readonly headlines: readonly Headline[];
}

/**
 * Prints the result line for the runner.
 *
 * @example
 * ```ts
 * import { reportResult } from "./report.ts";
 * reportResult({ title: "Example", markdown: "| a | b |", headlines: [{ label: "x / y", value: 1.1, goal: 1.25, unit: "×" }] });
 * ```
 */
export function reportResult(result: BenchResult): void {
  console.log(`${RESULT_MARKER}${JSON.stringify(result)}`);
}

/** `met` or `missed` for a headline. */
export function verdict(headline: Pick<Headline, "value" | "goal">): string {
  return headline.value <= headline.goal ? "met" : "**missed**";
}
