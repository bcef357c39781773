import type { GateAggregate } from '../schema/suite.js';

/**
 * Aggregates per-sample values for a gate. Percentiles use linear interpolation between order statistics
 * (the "R-7" rule used by numpy and most spreadsheets), so p50 of [1, 2] is 1.5.
 */
export function aggregate(values: readonly number[], how: GateAggregate): number | undefined {
  if (values.length === 0) return undefined;
  switch (how) {
    case 'mean':
      return mean(values);
    case 'min':
      return values.reduce((a, b) => Math.min(a, b)); // no spread: 10^5+ samples overflow the stack
    case 'max':
      return values.reduce((a, b) => Math.max(a, b));
    case 'p10':
      return percentile(values, 0.1);
    case 'p50':
      return percentile(values, 0.5);
    case 'p90':
      return percentile(values, 0.9);
  }
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}
