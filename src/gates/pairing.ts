/**
 * Pairing of per-sample metric values between a current run and its baseline, producing direction-normalised
 * deltas (positive = better) for the paired statistical gates (SPRT, paired t / bootstrap).
 */
import { TemporalCIError } from '../errors.js';

export interface SeriesPoint {
  /** Stable sample identity (sample_id); pairs are formed on it in `sample_id` mode. */
  key: string;
  value: number;
  prompt?: string;
  seed?: number;
}

export type DirectionalOp = '>=' | '>' | '<=' | '<';
export type PairingMode = 'sample_id' | 'legacy';

export interface PairedDelta {
  key: string;
  prompt?: string;
  seed?: number;
  current: number;
  baseline: number;
  /** Positive = better, whatever the gate's direction. */
  delta: number;
  /** Position of this sample in the current series (generation order). */
  index: number;
}

export interface PairingResult {
  mode: PairingMode;
  /** Pairs in the current series' order, which is the order the samples were generated in. */
  pairs: PairedDelta[];
  /** `pairs.map(p => p.delta)`, the input of the sequential and fixed-sample tests. */
  deltas: number[];
  current_count: number;
  baseline_count: number;
  /** max(len current, len baseline): a sample missing on either side counts against the ratio. */
  expected_pairs: number;
  paired_count: number;
  /** paired_count / max(1, expected_pairs), unrounded; 0 when both series are empty. */
  paired_ratio: number;
  current_unmatched: number;
  baseline_unmatched: number;
  /** The 5 most negative (worst) deltas, worst first. */
  worst_deltas: PairedDelta[];
}

const WORST_DEFAULT = 5;

/** Direction-normalised delta: how much better the current value is than the baseline. */
function directedDelta(current: number, baseline: number, op: DirectionalOp): number {
  return op === '>=' || op === '>' ? current - baseline : baseline - current;
}

/** The n most negative deltas, worst first; ties keep generation order so the output is deterministic. */
export function worstPairs(pairs: readonly PairedDelta[], n: number): PairedDelta[] {
  if (!(Number.isInteger(n) && n >= 0))
    throw new RangeError(`worstPairs: n must be a non-negative integer, got ${n}`);
  return [...pairs].sort((a, b) => a.delta - b.delta || a.index - b.index).slice(0, n);
}

function assertFinite(series: readonly SeriesPoint[], side: 'current' | 'baseline'): void {
  for (const point of series) {
    if (!Number.isFinite(point.value)) {
      // A NaN would silently poison every sum downstream, so refuse it here where the sample is still known.
      throw new TemporalCIError(
        'METRIC_FAILED',
        `${side} sample "${point.key}" has a non-finite value (${point.value})`,
        {
          hint: 'Drop samples whose metric could not be computed before pairing, or fix the metric.',
        },
      );
    }
  }
}

function makePair(cur: SeriesPoint, base: SeriesPoint, index: number, op: DirectionalOp): PairedDelta {
  const pair: PairedDelta = {
    key: cur.key,
    current: cur.value,
    baseline: base.value,
    delta: directedDelta(cur.value, base.value, op),
    index,
  };
  const prompt = cur.prompt ?? base.prompt;
  const seed = cur.seed ?? base.seed;
  if (prompt !== undefined) pair.prompt = prompt;
  if (seed !== undefined) pair.seed = seed;
  return pair;
}

/**
 * Pair the current series with the baseline.
 *
 * - `sample_id`: match on `key`. A key repeated on one side is matched occurrence by occurrence (the k-th
 *   current "a" with the k-th baseline "a"), so each baseline point is used at most once.
 * - `legacy`: pair by position for the first min(len) points, ignoring keys; only for baselines recorded
 *   before samples had stable identities.
 */
export function pairDeltas(
  current: readonly SeriesPoint[],
  baseline: readonly SeriesPoint[],
  op: DirectionalOp,
  mode: PairingMode,
): PairingResult {
  assertFinite(current, 'current');
  assertFinite(baseline, 'baseline');

  const pairs: PairedDelta[] = [];
  if (mode === 'legacy') {
    const n = Math.min(current.length, baseline.length);
    for (let i = 0; i < n; i++) pairs.push(makePair(current[i]!, baseline[i]!, i, op));
  } else {
    const byKey = new Map<string, SeriesPoint[]>();
    for (const point of baseline) {
      const queue = byKey.get(point.key);
      if (queue) queue.push(point);
      else byKey.set(point.key, [point]);
    }
    current.forEach((point, index) => {
      const base = byKey.get(point.key)?.shift();
      if (base) pairs.push(makePair(point, base, index, op));
    });
  }

  const expected = Math.max(current.length, baseline.length);
  return {
    mode,
    pairs,
    deltas: pairs.map((p) => p.delta),
    current_count: current.length,
    baseline_count: baseline.length,
    expected_pairs: expected,
    paired_count: pairs.length,
    paired_ratio: pairs.length / Math.max(1, expected),
    current_unmatched: current.length - pairs.length,
    baseline_unmatched: baseline.length - pairs.length,
    worst_deltas: worstPairs(pairs, WORST_DEFAULT),
  };
}
