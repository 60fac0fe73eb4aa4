/**
 * `--since DURATION|TIME` as `docker events --since` takes it: a duration
 * back from now (`90s`, `10m`, `1h30m`, `2d`), a Unix timestamp in seconds
 * (`1767225600`, `1767225600.5`) or an ISO 8601 date/time (`2026-01-02`,
 * `2026-01-02T15:04:05Z`; without a zone: local time). Pure: the clock is a
 * parameter.
 *
 * @module
 */

import { UsageError } from "./usage-error.ts";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The moment `value` names, in ms since the epoch.
 *
 * @throws {UsageError} when it is neither a duration, a timestamp nor a date/time, or lies in the future.
 * @example
 * ```ts
 * parseSince("10m", new Date("2026-01-02T10:00:00Z")); // Date.parse("2026-01-02T09:50:00Z")
 * ```
 */
export function parseSince(value: string, now: Date): number {
  let ms: number;
  if (DURATION.test(value)) {
    let back = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) back += Number(n) * UNIT_MS[unit!]!;
    ms = now.getTime() - back;
  } else if (/^\d+(?:\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else if (ISO.test(value)) {
    // A date alone is local midnight, as with a time without a zone (Date.parse takes a bare date as UTC).
    ms = Date.parse(value.length === 10 ? `${value}T00:00` : value.replace(" ", "T"));
  } else {
    ms = Number.NaN;
  }
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      `--since takes a duration (10m, 1h30m), a Unix timestamp or an ISO 8601 time (2026-01-02T15:04:05Z), got ${JSON.stringify(value)}`,
    );
  }
  if (ms > now.getTime()) throw new UsageError(`--since ${value} lies in the future`);
  return ms;
}
