import { findMetric } from '../metrics/registry.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { RegressionResult, RegressionTest } from '../schema/run.js';
import type { GateConfig } from '../schema/suite.js';
import { mean } from '../stats/aggregate.js';
import { welchTest } from '../stats/welch.js';
import { directionOf } from './compare.js';
import { evaluateRegression, perSampleSeries, regressionResult, splitMetricPath } from './evaluate.js';
import { pairedTest } from './paired-test.js';
import { type ThresholdParams, thresholdParamsSchema } from './threshold-params.js';

/**
 * The regression check of a directional threshold gate, statistical by default: a change counts only when
 * it is both significant against the run-to-run noise and larger than the gate's magnitude floors (the
 * Perfherder/Otava principle). Samples that pair with the baseline by sample_id give per-sample deltas (a
 * paired t-test, so every prompt counts, not the one with the largest values); when fewer than `min_pairs`
 * pair (other seeds, a changed plan) the two runs are compared as wholes (Welch) and the result says so.
 * Content-scaled metrics (their definition says `scale: log`, e.g. sharpness, whose per-sample values span
 * decades) are compared as log-ratios, so a 26 % drop on one prompt is 26 % whatever that prompt's size.
 * `regression_test: mean` keeps the plain comparison of the two aggregates.
 */

type Scale = 'linear' | 'log';

/** The scale a metric path is compared on: its definition's, linear when it does not say. */
function scaleOf(metricPath: string): Scale {
  const { metric, leaf } = splitMetricPath(metricPath);
  return findMetric(metric)?.scale?.(leaf) ?? 'linear';
}

/** Metrics measured against the baseline video have no regression of their own: they are the comparison. */
function comparesWithBaseline(metricPath: string): boolean {
  return findMetric(splitMetricPath(metricPath).metric)?.needsBaselineVideos === true;
}

interface Floors {
  absolute: number;
  relative: number;
}

/** On the log scale a relative floor r becomes |mean log-ratio| ≥ −ln(1 − r), and there is no absolute one. */
function floorsOn(scale: Scale, p: ThresholdParams): Floors {
  if (scale === 'linear') return { absolute: p.min_absolute_change, relative: p.min_relative_change };
  return { absolute: -Math.log(1 - Math.min(p.min_relative_change, 0.999)), relative: 0 };
}

const transform = (scale: Scale) => (v: number) => (scale === 'log' ? Math.log(v) : v);

function result(
  gate: GateConfig,
  index: number,
  direction: 'higher_is_better' | 'lower_is_better',
  base: number,
  cur: number,
  p: ThresholdParams,
  regressed: boolean,
  test: RegressionTest,
): RegressionResult {
  return { ...regressionResult(gate, index, direction, base, cur, p, regressed), test };
}

/** Back from the comparison scale to the metric's units (a geometric mean on the log scale). */
const backOf = (scale: Scale) => (x: number) => (scale === 'log' ? Math.exp(x) : x);

export function evaluateStatisticalRegression(
  gate: GateConfig,
  index: number,
  current: MeasuredRun,
  baseline: MeasuredRun,
): RegressionResult | undefined {
  const direction = directionOf(gate.op);
  if (!direction || comparesWithBaseline(gate.metric)) return undefined;
  const p = thresholdParamsSchema.parse(gate.params);
  const cur = perSampleSeries(current, gate.metric);
  const base = perSampleSeries(baseline, gate.metric);
  // A run-level value (a count, a rate) is one number per run, and one sample per run has no spread:
  // there is no noise to test against, so the floors alone decide, and the result says why.
  if (p.regression_test === 'mean' || cur.length < 2 || base.length < 2) {
    const r = evaluateRegression(gate, index, current, baseline);
    const note =
      p.regression_test === 'mean'
        ? undefined
        : 'too few per-sample values to test against the noise; floors only';
    return (
      r && {
        ...r,
        test: { kind: 'mean', n: cur.length, p_value: null, scale: 'linear', ...(note ? { note } : {}) },
      }
    );
  }
  const positive = [...cur, ...base].every((s) => s.value > 0);
  const scale: Scale = scaleOf(gate.metric) === 'log' && positive ? 'log' : 'linear';
  const f = transform(scale);
  const back = backOf(scale);
  const floors = floorsOn(scale, p);
  const sign = direction === 'higher_is_better' ? 1 : -1;
  const byId = new Map(base.map((s) => [s.sampleId, s.value]));
  const pairs = cur.filter((s) => byId.has(s.sampleId));
  const confidence = 1 - p.alpha;
  if (pairs.length >= p.min_pairs) {
    const xs = pairs.map((s) => f(s.value));
    const ys = pairs.map((s) => f(byId.get(s.sampleId)!));
    const t = pairedTest(
      xs.map((x, i) => sign * (x - ys[i]!)),
      {
        method: 't',
        confidence,
        min_absolute_change: floors.absolute,
        min_relative_change: floors.relative,
        baselineMean: mean(ys),
      },
    );
    const test: RegressionTest = { kind: 'paired', n: pairs.length, p_value: t.p_value, scale };
    if (pairs.length < cur.length)
      test.note = `${pairs.length} of ${cur.length} samples pair with the baseline`;
    return result(gate, index, direction, back(mean(ys)), back(mean(xs)), p, t.regressed, test);
  }
  const xs = cur.map((s) => f(s.value));
  const ys = base.map((s) => f(s.value));
  const w = welchTest(xs, ys, confidence);
  const worse = -sign * w.diff;
  const significant = w.ci[0] > 0 || w.ci[1] < 0;
  const beyond = worse >= floors.absolute && worse >= floors.relative * Math.abs(mean(ys));
  const test: RegressionTest = {
    kind: 'unpaired',
    n: xs.length + ys.length,
    p_value: w.p_value,
    scale,
    note: `unpaired: ${pairs.length} of ${cur.length} samples pair with the baseline (other seeds or a changed plan); the runs were compared as wholes (Welch), which needs larger changes to call one`,
  };
  return result(
    gate,
    index,
    direction,
    back(mean(ys)),
    back(mean(xs)),
    p,
    significant && worse > 0 && beyond,
    test,
  );
}
