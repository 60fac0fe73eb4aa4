// Types of engine-report.mjs (plain JS: it runs before `npm ci`), for tests/support/engine-report.test.ts.

/** Pass/fail/skip counts of leaf tests, and the names of the failed ones. */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  failedNames?: string[];
}

/** One line of a runtime's engine log, as written by tests/support/engines.ts. */
export interface EngineLogLine {
  engine: string;
  file?: string;
  endpoint?: string;
  skip?: string;
}

/** The engines the runner starts, in report order. */
export const ENGINES: readonly string[];
/** env.json key of each engine's endpoint. */
export const ENGINE_VARS: Record<string, string>;
/** Whether engine skips fail the run, and why. */
export function strictEngines(options?: {
  env?: Record<string, string | undefined>;
  uid?: number | undefined;
  startsEngines?: boolean;
}): { strict: boolean; why: string };
/** Per-file leaf counts from the NDJSON of scripts/engines/node-reporter.mjs. */
export function leafResultsNode(text: string, root?: string): Map<string, Counts>;
/** Per-file leaf counts from Deno's TAP output. */
export function leafResultsDeno(text: string): Map<string, Counts>;
/** Per-file leaf counts from bun test's output. */
export function leafResultsBun(text: string): Map<string, Counts>;
/** `runtime  file > test` for every failed leaf test, in run order. */
export function failedTests(runtimes: Array<{ runtime: string; results: Map<string, Counts> }>): string[];
/** The engine log's lines. */
export function parseEngineLog(text: string): EngineLogLine[];
/** Folds the engine start report and each runtime's engine log into per-engine counts and problems. */
export function foldEngines(input: {
  strict: boolean;
  started?: boolean;
  env?: Record<string, string | undefined>;
  runtimes?: Array<{ runtime: string; log?: EngineLogLine[]; results?: Map<string, Counts> }>;
}): {
  rows: Array<{ runtime: string; engine: string; files: number; ran: number; skipped: number }>;
  problems: string[];
  notes: string[];
};
