/** Pure figures for the soak summary: percentiles of cycle durations and leak slopes. */

/** The p-th percentile (0–100) by linear interpolation between closest ranks; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Least-squares slope of y over x (x in hours): the growth per hour of a memory series. Null with fewer
 * than two points or when every x is the same (no time passed: no slope to speak of).
 */
export function slopePerHour(points: ReadonlyArray<{ hours: number; value: number }>): number | null {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.hours;
    sy += p.value;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.hours - mx) * (p.value - my);
    sxx += (p.hours - mx) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}
