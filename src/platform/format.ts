/**
 * The one way numbers are rounded and printed as percentages, so run.json, the report, the CLI summary and
 * the webhook agree digit for digit on the same value.
 */

/**
 * `v` rounded to `digits` decimals, as a number: what goes into run.json (0.123 s, not 0.12345678901 s,
 * whose last digits are timer noise). Non-finite values pass through unchanged.
 */
export function roundTo(v: number, digits: number): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : v;
}

/** Seconds since `started` (a performance.now() reading), to the millisecond: durations in run.json. */
export function secondsSince(started: number): number {
  return roundTo((performance.now() - started) / 1000, 3);
}

/** A fraction as a percentage: 0.01234 → "1.23%". */
export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}
