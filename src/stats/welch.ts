import { studentTQuantile, studentTTwoSidedP } from './distributions.js';

/**
 * Welch's unequal-variance two-sample t-test: is the mean of `current` different from the mean of
 * `baseline`? Used by the regression check when the samples of two runs do not pair (other seeds, a changed
 * plan): it compares the two sets as wholes, so it needs larger differences than a paired test to call one.
 */
export interface WelchResult {
  n1: number;
  n2: number;
  /** mean(current) − mean(baseline). */
  diff: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  t: number;
  /** Two-sided p-value. */
  p_value: number;
  /** Two-sided confidence interval of `diff` at `confidence`. */
  ci: [number, number];
}

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return { mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

export function welchTest(
  current: readonly number[],
  baseline: readonly number[],
  confidence: number,
): WelchResult {
  const n1 = current.length;
  const n2 = baseline.length;
  if (n1 < 2 || n2 < 2) {
    // No spread on one side, no inference: nothing is significant.
    const diff = n1 && n2 ? meanVar(current).mean - meanVar(baseline).mean : Number.NaN;
    return { n1, n2, diff, df: 0, t: Number.NaN, p_value: 1, ci: [-Infinity, Infinity] };
  }
  const a = meanVar(current);
  const b = meanVar(baseline);
  const diff = a.mean - b.mean;
  const va = a.variance / n1;
  const vb = b.variance / n2;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    // Two constant sets: their difference is known exactly.
    return {
      n1,
      n2,
      diff,
      df: n1 + n2 - 2,
      t: diff === 0 ? 0 : Math.sign(diff) * Infinity,
      p_value: diff === 0 ? 1 : 0,
      ci: [diff, diff],
    };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (n1 - 1) + vb ** 2 / (n2 - 1));
  const t = diff / se;
  const q = studentTQuantile((1 + confidence) / 2, df);
  return { n1, n2, diff, df, t, p_value: studentTTwoSidedP(t, df), ci: [diff - q * se, diff + q * se] };
}
