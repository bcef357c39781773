import type { SampleError } from '../schema/run.js';
import type { GateOp } from '../schema/suite.js';
import { getLeaf, type MetricValues } from '../schema/values.js';
import { compareValues, directionOf, type GateValue } from './compare.js';
import { splitMetricPath } from './evaluate.js';

/**
 * THE ranking of a run's samples, "most worth a look first". Retention keeps the top of it when
 * `artifacts.max_samples` caps the videos, report.html shows the top of it as sample cards and `compare`
 * lists it, so a video the report leads with is always one retention kept.
 */

export type Direction = 'higher_is_better' | 'lower_is_better';

/** The parts of a gate the ranking reads: a suite's GateConfig and a stored GateResult both have them. */
export interface RankingGate {
  metric: string;
  op: GateOp;
  value: GateValue;
}

/** The parts of a sample the ranking reads (a SampleRecord, or a baseline's measured sample). */
export interface RankableSample {
  sample_id: string;
  metrics: Record<string, MetricValues>;
  /** A failed sample has no values to rank (and no video to keep); absent means measured. */
  error?: SampleError | null;
}

export interface SampleDelta {
  path: string;
  direction: Direction | undefined;
  baseline: number | null;
  current: number | null;
  delta: number | null;
  /** Positive = better in the metric's direction; null when either side is missing or there is no direction. */
  improvement: number | null;
  /** improvement / |baseline| (null when the baseline is 0: a ratio of nothing). */
  relative: number | null;
}

export interface RankedSample<S extends RankableSample, B extends RankableSample = S> {
  sample: S;
  /** The baseline's sample with the same sample_id, if any. */
  baseline: B | undefined;
  /** Gates this sample fails on its own values, as `<metric> <op> <value>`. */
  failing: string[];
  /** One per gated path, in gate order. */
  deltas: SampleDelta[];
  /** The ranking key after `failing`: the largest relative drop over the gated paths (0 when none got worse). */
  worstDrop: number;
}

/**
 * A baseline value of exactly 0 has no scale to be relative to. Dividing by this floor instead ranks a drop
 * from 0 (no frozen frames → some) above any ordinary relative drop, rather than ignoring it.
 */
const RELATIVE_FLOOR = 1e-9;

export function samplePathValue(s: RankableSample | undefined, metricPath: string): number | null {
  if (!s) return null;
  const { metric, leaf } = splitMetricPath(metricPath);
  const v = getLeaf(s.metrics[metric], leaf);
  return typeof v === 'number' ? v : null;
}

/** The gated metric paths with their direction (the first directional gate wins; equality gates have none). */
export function gatedPaths(
  gates: readonly Pick<RankingGate, 'metric' | 'op'>[],
): Map<string, Direction | undefined> {
  const out = new Map<string, Direction | undefined>();
  for (const g of gates) {
    if (!out.has(g.metric) || out.get(g.metric) === undefined) out.set(g.metric, directionOf(g.op));
  }
  return out;
}

export function deltaOf(
  path: string,
  direction: Direction | undefined,
  baseline: number | null,
  current: number | null,
): SampleDelta {
  const delta = baseline !== null && current !== null ? current - baseline : null;
  const improvement =
    delta === null || direction === undefined ? null : direction === 'higher_is_better' ? delta : -delta;
  const relative =
    improvement === null
      ? null
      : baseline !== 0 && baseline !== null
        ? improvement / Math.abs(baseline)
        : null;
  return { path, direction, baseline, current, delta, improvement, relative };
}

/** How much worse, relative to the baseline value, one gated path got (0 when not worse or not comparable). */
function dropOf(d: SampleDelta): number {
  if (d.improvement === null || d.improvement >= 0 || d.baseline === null) return 0;
  return -d.improvement / Math.max(Math.abs(d.baseline), RELATIVE_FLOOR);
}

/**
 * Measured samples, most worth a look first:
 *  1. the most gates failed on the sample's own values: the gate's own comparison (op and value, whatever
 *     its method, since every method has a threshold part) applied to the sample's value at the gate's path;
 *     a gate on a run-level value has no per-sample value and never counts;
 *  2. then the largest direction-aware drop against the same sample_id in the baseline, relative to the
 *     baseline value (see RELATIVE_FLOOR), over the gated paths;
 *  3. then the order given (plan order).
 * Failed samples are left out: nothing to rank them by, and no video to keep.
 */
export function rankSamples<S extends RankableSample, B extends RankableSample = S>(
  samples: readonly S[],
  gates: readonly RankingGate[],
  baseline: readonly B[] | null,
): RankedSample<S, B>[] {
  const paths = [...gatedPaths(gates)];
  const baseById = new Map(baseline?.map((s) => [s.sample_id, s]) ?? []);
  const ranked = samples
    .filter((s) => !s.error)
    .map((sample, order) => {
      const base = baseById.get(sample.sample_id);
      const failing = gates
        .filter((g) => {
          const v = samplePathValue(sample, g.metric);
          return v !== null && !compareValues(v, g.op, g.value);
        })
        .map((g) => `${g.metric} ${g.op} ${String(g.value)}`);
      const deltas = paths.map(([p, dir]) =>
        deltaOf(p, dir, samplePathValue(base, p), samplePathValue(sample, p)),
      );
      const worstDrop = Math.max(0, ...deltas.map(dropOf));
      return { sample, baseline: base, failing, deltas, worstDrop, order };
    });
  ranked.sort(
    (a, b) => b.failing.length - a.failing.length || b.worstDrop - a.worstDrop || a.order - b.order,
  );
  return ranked.map(({ order: _order, ...r }) => r);
}
