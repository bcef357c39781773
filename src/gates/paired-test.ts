/**
 * A fixed-sample paired test on direction-normalised deltas (positive = better), for gates that evaluate all
 * samples at once. Following Perfherder and Otava, a regression needs BOTH statistical significance and a
 * practically relevant magnitude: noise-free metrics otherwise flag every tiny, real but irrelevant shift.
 */

import { studentTQuantile, studentTTwoSidedP } from '../stats/distributions.js';
import { createRng } from '../stats/random.js';

export interface PairedTestOptions {
  method: 't' | 'bootstrap';
  /** Two-sided confidence level of the interval, e.g. 0.95. */
  confidence: number;
  /** Bootstrap only; defaults to 0 so a verdict is reproducible. */
  seed?: number;
  /** Bootstrap resamples; default 10,000. */
  iterations?: number;
  /** |mean delta| must be at least this, in metric units. */
  min_absolute_change: number;
  /** |mean delta| must be at least this fraction of |baselineMean|. */
  min_relative_change: number;
  /** Mean of the baseline values, the reference for the relative floor. */
  baselineMean: number;
}

export interface PairedTestResult {
  method: 't' | 'bootstrap';
  n: number;
  mean: number;
  /** Sample standard deviation (n−1) of the deltas. */
  sd: number;
  /** Confidence interval of the mean delta; unbounded (±Infinity) when n < 2. */
  ci: [number, number];
  /** Two-sided p-value for mean delta = 0. */
  p_value: number;
  /** t statistic (t method; for bootstrap, mean/SE for information). */
  t: number;
  df: number;
  /** The interval excludes 0 (for the t method, equivalent to p < 1 − confidence). */
  significant: boolean;
  /** |mean| reaches both the absolute and the relative floor. */
  magnitude_ok: boolean;
  /** significant AND magnitude_ok AND the mean is negative (worse). */
  regressed: boolean;
  /** significant AND magnitude_ok AND the mean is positive (better). */
  improved: boolean;
}

const DEFAULT_ITERATIONS = 10_000;

function meanAndSd(xs: readonly number[]): { mean: number; sd: number } {
  let mean = 0;
  let m2 = 0;
  xs.forEach((x, i) => {
    const diff = x - mean;
    mean += diff / (i + 1);
    m2 += diff * (x - mean);
  });
  return { mean, sd: xs.length >= 2 ? Math.sqrt(m2 / (xs.length - 1)) : 0 };
}

function checkOptions(deltas: readonly number[], o: PairedTestOptions): void {
  if (!(o.confidence > 0 && o.confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${o.confidence}`);
  if (!(o.min_absolute_change >= 0 && o.min_relative_change >= 0)) {
    throw new RangeError('min_absolute_change and min_relative_change must be >= 0');
  }
  if (!Number.isFinite(o.baselineMean))
    throw new RangeError(`baselineMean must be finite, got ${o.baselineMean}`);
  if (o.iterations !== undefined && !(Number.isInteger(o.iterations) && o.iterations >= 100)) {
    throw new RangeError(`iterations must be an integer >= 100, got ${o.iterations}`);
  }
  const bad = deltas.findIndex((d) => !Number.isFinite(d));
  if (bad >= 0) throw new RangeError(`delta ${bad} is not finite (${deltas[bad]})`);
}

/** Linear-interpolated quantile of sorted values (type 7, as R and numpy default). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function bootstrap(
  deltas: readonly number[],
  confidence: number,
  seed: number,
  iterations: number,
): { ci: [number, number]; p: number } {
  const rng = createRng(seed);
  const n = deltas.length;
  const means = new Float64Array(iterations);
  let atOrBelow = 0;
  let atOrAbove = 0;
  for (let b = 0; b < iterations; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += deltas[rng.int(n)]!;
    const m = s / n;
    means[b] = m;
    if (m <= 0) atOrBelow++;
    if (m >= 0) atOrAbove++;
  }
  means.sort();
  const tail = (1 - confidence) / 2;
  // Proportion-based two-sided p: twice the smaller share of resampled means on either side of 0, with the
  // +1 correction so a finite resample never claims p = 0.
  const p = Math.min(1, (2 * (Math.min(atOrBelow, atOrAbove) + 1)) / (iterations + 1));
  return { ci: [quantileSorted(means, tail), quantileSorted(means, 1 - tail)], p };
}

/** The interval and two-sided p-value of the chosen test, once the deltas have spread to infer from. */
function infer(
  deltas: readonly number[],
  s: { mean: number; se: number; df: number },
  opts: PairedTestOptions,
): { ci: [number, number]; p: number } {
  switch (opts.method) {
    case 't': {
      const q = studentTQuantile((1 + opts.confidence) / 2, s.df);
      return { ci: [s.mean - q * s.se, s.mean + q * s.se], p: studentTTwoSidedP(s.mean / s.se, s.df) };
    }
    case 'bootstrap':
      return bootstrap(deltas, opts.confidence, opts.seed ?? 0, opts.iterations ?? DEFAULT_ITERATIONS);
  }
}

export function pairedTest(deltas: readonly number[], opts: PairedTestOptions): PairedTestResult {
  checkOptions(deltas, opts);
  const n = deltas.length;
  const { mean, sd } = meanAndSd(deltas);
  const df = Math.max(0, n - 1);
  const se = n >= 1 ? sd / Math.sqrt(n) : Number.NaN;
  const magnitude_ok =
    n > 0 &&
    Math.abs(mean) >= opts.min_absolute_change &&
    Math.abs(mean) >= opts.min_relative_change * Math.abs(opts.baselineMean);

  let ci: [number, number];
  let p: number;
  let t: number;
  if (n < 2) {
    // No spread, no inference: the honest interval is unbounded and nothing is significant.
    ci = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
    p = 1;
    t = Number.NaN;
  } else if (se === 0) {
    // Identical deltas: the mean is known exactly; it differs from 0 with certainty unless it is 0.
    ci = [mean, mean];
    p = mean === 0 ? 1 : 0;
    t = mean === 0 ? Number.NaN : mean > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  } else {
    t = mean / se;
    ({ ci, p } = infer(deltas, { mean, se, df }, opts));
  }
  const significant = ci[0] > 0 || ci[1] < 0;
  return {
    method: opts.method,
    n,
    mean,
    sd,
    ci,
    p_value: p,
    t,
    df,
    significant,
    magnitude_ok,
    regressed: significant && magnitude_ok && mean < 0,
    improved: significant && magnitude_ok && mean > 0,
  };
}

/**
 * Holm's step-down adjustment for several metrics gated together: controls the family-wise error rate
 * without Bonferroni's loss of power. Returns adjusted p-values in the input order.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p-value ${i} must be in [0, 1], got ${p}`);
  });
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    // Enforce monotonicity: an adjusted p can never be smaller than that of a more significant test.
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
