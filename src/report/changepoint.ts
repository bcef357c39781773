import { createRng, type Rng } from '../stats/random.js';

/**
 * Change points in a metric's run history with E-divisive means (Matteson & James, "A Nonparametric Approach
 * for Multiple Change Point Analysis of Multivariate Data", JASA 2014), the method Apache Otava (formerly
 * Hunter) uses for performance histories.
 *
 * For a segment x_1..x_n and a split τ (left X = x_1..x_τ, right Y = x_τ+1..x_n, sizes m and k):
 *
 *   Q(τ) = (m·k/(m+k)) · [ 2/(m·k) Σ|X_i − Y_j| − 1/C(m,2) Σ_{i<l}|X_i − X_l| − 1/C(k,2) Σ_{j<l}|Y_j − Y_l| ]
 *
 * i.e. the energy distance between the two sides (α = 1), scaled by sample size. The best split of each
 * segment is the τ maximising Q. Hierarchically, the best split over all current segments is tested for
 * significance with a permutation test (shuffle the segment, recompute its maximal Q; p = (1 + #{Q_perm ≥ Q})
 * / (1 + permutations)); a significant split is kept and the search repeats on the new segments, otherwise
 * it stops. The permutations use a fixed seed, so a history always yields the same change points.
 *
 * Otava has since replaced the permutation test by a faster Student-t test on the split; with the short
 * histories of a CI model (tens of runs) the permutation test is cheap and needs no normality assumption.
 * A magnitude floor (Otava's min_magnitude, Perfherder's 2 %) drops statistically significant but tiny shifts.
 */

export interface ChangePointOptions {
  /** Significance level of the permutation test. Default 0.05. */
  pValue?: number;
  permutations?: number;
  /** Smallest segment on either side of a split. Default 3. */
  minSegment?: number;
  /** Smallest |mean after − mean before| / |mean before| to report. Default 0.005 (0.5 %). */
  minMagnitude?: number;
  seed?: number;
}

export interface ChangePoint {
  /** Index of the first value after the change. */
  index: number;
  pValue: number;
  meanBefore: number;
  meanAfter: number;
  /** (after − before) / |before| (null when before is 0). */
  relativeChange: number | null;
}

function sumAbsWithin(v: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) for (let j = i + 1; j < v.length; j++) s += Math.abs(v[i]! - v[j]!);
  return s;
}

/** The best split of one segment and its Q, or null when the segment is too short to split. */
export function bestSplit(v: readonly number[], minSegment: number): { tau: number; q: number } | null {
  const n = v.length;
  if (n < 2 * minSegment) return null;
  let best: { tau: number; q: number } | null = null;
  for (let tau = minSegment; tau <= n - minSegment; tau++) {
    const x = v.slice(0, tau);
    const y = v.slice(tau);
    const m = x.length;
    const k = y.length;
    let between = 0;
    for (const a of x) for (const b of y) between += Math.abs(a - b);
    const wx = m > 1 ? sumAbsWithin(x) / ((m * (m - 1)) / 2) : 0;
    const wy = k > 1 ? sumAbsWithin(y) / ((k * (k - 1)) / 2) : 0;
    const q = ((m * k) / (m + k)) * ((2 * between) / (m * k) - wx - wy);
    if (best === null || q > best.q) best = { tau, q };
  }
  return best;
}

function shuffled(v: readonly number[], rng: Rng): number[] {
  const a = [...v];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function permutationP(
  segment: readonly number[],
  q: number,
  opts: Required<ChangePointOptions>,
  rng: Rng,
): number {
  let atLeast = 0;
  for (let i = 0; i < opts.permutations; i++) {
    const s = bestSplit(shuffled(segment, rng), opts.minSegment);
    if (s !== null && s.q >= q - 1e-12) atLeast++;
  }
  return (1 + atLeast) / (1 + opts.permutations);
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

export function eDivisive(values: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  const opts: Required<ChangePointOptions> = {
    pValue: options.pValue ?? 0.05,
    permutations: options.permutations ?? 199,
    minSegment: options.minSegment ?? 3,
    minMagnitude: options.minMagnitude ?? 0.005,
    seed: options.seed ?? 1,
  };
  const rng = createRng(opts.seed);
  const cuts: number[] = [];
  const found: ChangePoint[] = [];
  for (;;) {
    const bounds = [0, ...cuts, values.length];
    let best: { start: number; tau: number; q: number; end: number } | null = null;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const [start, end] = [bounds[i]!, bounds[i + 1]!];
      const s = bestSplit(values.slice(start, end), opts.minSegment);
      if (s && s.q > 0 && (best === null || s.q > best.q)) best = { start, end, tau: start + s.tau, q: s.q };
    }
    if (best === null) break;
    const p = permutationP(values.slice(best.start, best.end), best.q, opts, rng);
    if (p > opts.pValue) break;
    cuts.push(best.tau);
    cuts.sort((a, b) => a - b);
    const before = mean(values.slice(best.start, best.tau));
    const after = mean(values.slice(best.tau, best.end));
    const rel = before !== 0 ? (after - before) / Math.abs(before) : null;
    if (rel === null || Math.abs(rel) >= opts.minMagnitude) {
      found.push({ index: best.tau, pValue: p, meanBefore: before, meanAfter: after, relativeChange: rel });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}
