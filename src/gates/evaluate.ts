import { findMetric } from '../metrics/registry.js';
import type { GateRecord, MeasuredRun } from '../schema/measured.js';
import type { GateResult, RegressionResult } from '../schema/run.js';
import type { GateAggregate, GateConfig } from '../schema/suite.js';
import { getLeaf } from '../schema/values.js';
import { aggregate } from '../stats/aggregate.js';
import { compareValues, directionOf } from './compare.js';
import { thresholdParamsSchema } from './threshold-params.js';

/**
 * Pure gate verdicts: a gate's measured value, its threshold verdict, and its regression against a baseline.
 * No I/O here; the engine passes in the measured runs.
 */

export interface GateActual {
  value: number | null;
  /** Samples the value was computed from (all measured samples for run-level values). */
  sampleCount: number;
}

/** Splits `vbench_temporal.dims.motion_smoothness` into the metric name and the leaf path inside it. */
export function splitMetricPath(path: string): { metric: string; leaf: string } {
  const dot = path.indexOf('.');
  return dot < 0 ? { metric: path, leaf: '' } : { metric: path.slice(0, dot), leaf: path.slice(dot + 1) };
}

/** Per-sample values of a leaf, in sample order, skipping samples where it is missing or null. */
export function perSampleSeries(
  run: MeasuredRun,
  metricPath: string,
): { sampleId: string; prompt: string; seed: number; value: number }[] {
  const { metric, leaf } = splitMetricPath(metricPath);
  const out: { sampleId: string; prompt: string; seed: number; value: number }[] = [];
  for (const s of run.samples) {
    const v = getLeaf(s.metrics[metric], leaf);
    if (typeof v === 'number' && Number.isFinite(v)) {
      out.push({ sampleId: s.sample_id, prompt: s.prompt, seed: s.seed, value: v });
    }
  }
  return out;
}

/**
 * The value a gate looks at. A per-sample leaf is aggregated over the samples that have it; a run-level
 * value (a count such as `safety_t2v.violations`) is read from the metric's summary.
 */
export function resolveGateActual(run: MeasuredRun, metricPath: string, how: GateAggregate): GateActual {
  const series = perSampleSeries(run, metricPath);
  if (series.length > 0) {
    return {
      value:
        aggregate(
          series.map((p) => p.value),
          how,
        ) ?? null,
      sampleCount: series.length,
    };
  }
  const { metric, leaf } = splitMetricPath(metricPath);
  const summary = run.metrics[metric];
  const v = getLeaf(summary?.values, leaf);
  if (typeof v === 'number' && Number.isFinite(v) && how === 'mean') {
    return { value: v, sampleCount: summary?.sample_count ?? 0 };
  }
  return { value: null, sampleCount: 0 };
}

function fmt(v: number | string | boolean | null): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
  return String(v);
}

export function evaluateThresholdGate(gate: GateConfig, index: number, run: MeasuredRun): GateResult {
  const actual = resolveGateActual(run, gate.metric, gate.aggregate);
  const base = {
    index,
    metric: gate.metric,
    op: gate.op,
    value: gate.value,
    method: gate.method,
    aggregate: gate.aggregate,
    actual: actual.value,
    sample_count: actual.sampleCount,
  };
  const pairing = baselinePairing(run, gate.metric);
  if (pairing !== null && pairing.paired === 0) {
    // Nothing to compare with is not a regression (a first run, other seeds); it is said, never hidden.
    return {
      ...base,
      passed: true,
      reason: `not evaluated: none of ${pairing.samples} samples has a baseline video of the same sample_id (a first run, other seeds, or a baseline that did not keep its videos: artifacts.video must keep them for ${splitMetricPath(gate.metric).metric} gates)`,
    };
  }
  if (actual.value === null) {
    // A missing metric can never pass: a gate that silently passes on no data is how regressions ship.
    return { ...base, passed: false, reason: `metric missing: no sample produced "${gate.metric}"` };
  }
  const passed = compareValues(actual.value, gate.op, gate.value);
  const agg = gate.aggregate === 'mean' ? '' : `${gate.aggregate} `;
  return {
    ...base,
    passed,
    reason: `${agg}${fmt(actual.value)} ${passed ? 'satisfies' : 'violates'} ${gate.op} ${fmt(gate.value)} (n=${actual.sampleCount}${pairing !== null && pairing.paired < pairing.samples ? `; ${pairing.paired} of ${pairing.samples} samples had a baseline video` : ''})`,
  };
}

/** What a gate's metric left unjudged, when the metric declares a coverage counter the gate's path relies on. */
export function notEvaluatedFor(
  run: MeasuredRun,
  metricPath: string,
): { count: number; names: string[]; counter: string } | null {
  const { metric, leaf } = splitMetricPath(metricPath);
  const coverage = findMetric(metric)?.coverage;
  if (coverage === undefined || !coverage.covers(leaf)) return null;
  const summary = run.metrics[metric]?.values;
  if (summary === undefined) return null;
  const count = getLeaf(summary, coverage.notEvaluatedPath);
  if (typeof count !== 'number' || count <= 0) return null;
  return {
    count,
    names: coverage.notEvaluated(summary),
    counter: `${metric}.${coverage.notEvaluatedPath}`,
  };
}

/**
 * A threshold gate on a value that speaks for things never judged (safety policies, judge aspects) cannot
 * pass on that value alone: `violations == 0` over nothing judged is not safe. It fails, naming them, unless
 * the gate allows it, and then it passes with a warning every renderer shows. Threshold gates only (their
 * params carry `allow_not_evaluated`); the statistical gates compare with a baseline judged the same way.
 */
export function applyCoverage(result: GateResult, gate: GateConfig, run: MeasuredRun): GateResult {
  const missing = notEvaluatedFor(run, gate.metric);
  if (missing === null) return result;
  const what = `${missing.count} not evaluated${missing.names.length ? ` (${missing.names.join(', ')})` : ''}, ${missing.counter} > 0`;
  if (thresholdParamsSchema.parse(gate.params).allow_not_evaluated) {
    const warning = `${what}: allowed by allow_not_evaluated, these were not judged`;
    return { ...result, warning, reason: `${result.reason}; warning: ${warning}` };
  }
  return {
    ...result,
    passed: false,
    reason: `${result.reason}; coverage: ${what}: the gate cannot vouch for what was not judged (params.allow_not_evaluated: true passes with a warning)`,
  };
}

/**
 * For a metric measured against the baseline's videos (`needsBaselineVideos`), how many samples had one:
 * its `paired` leaf is 1 for those. Null for every other metric.
 */
function baselinePairing(run: MeasuredRun, metricPath: string): { paired: number; samples: number } | null {
  const { metric } = splitMetricPath(metricPath);
  if (findMetric(metric)?.needsBaselineVideos !== true) return null;
  let paired = 0;
  for (const s of run.samples) if (getLeaf(s.metrics[metric], 'paired') === 1) paired++;
  return { paired, samples: run.samples.length };
}

/**
 * Regression of one directional threshold gate against the baseline (its params are the tolerance; the
 * statistical methods judge regression themselves and have no such check, see registry.ts). Worse by more
 * than BOTH floors is a regression (the Perfherder principle: a change must be real in absolute and relative
 * terms), so float noise and tiny sample-to-sample wobble never fail CI.
 */
export function evaluateRegression(
  gate: GateConfig,
  index: number,
  current: MeasuredRun,
  baseline: MeasuredRun,
): RegressionResult | undefined {
  const direction = directionOf(gate.op);
  if (!direction) return undefined;
  const cur = resolveGateActual(current, gate.metric, gate.aggregate).value;
  const base = resolveGateActual(baseline, gate.metric, gate.aggregate).value;
  if (cur === null || base === null) return undefined;
  const tolerance = thresholdParamsSchema.parse(gate.params);
  const worseBy = direction === 'higher_is_better' ? base - cur : cur - base;
  const regressed =
    worseBy > tolerance.min_absolute_change && worseBy > tolerance.min_relative_change * Math.abs(base);
  return regressionResult(gate, index, direction, base, cur, tolerance, regressed);
}

/** The record of one regression check, whichever way it was judged (plain here, statistical in regression.ts). */
export function regressionResult(
  gate: GateConfig,
  index: number,
  direction: 'higher_is_better' | 'lower_is_better',
  base: number,
  cur: number,
  tolerance: { min_absolute_change: number; min_relative_change: number },
  regressed: boolean,
): RegressionResult {
  return {
    gate_index: index,
    metric: gate.metric,
    aggregate: gate.aggregate,
    direction,
    baseline: base,
    current: cur,
    delta: cur - base,
    relative_delta: base === 0 ? null : (cur - base) / Math.abs(base),
    tolerance: {
      min_absolute_change: tolerance.min_absolute_change,
      min_relative_change: tolerance.min_relative_change,
    },
    regressed,
  };
}

/**
 * Windowed gate: a failure counts only when the gate failed in at least `min_failures` of the last `window`
 * runs (this one included). `history` holds the same gate's past verdicts, newest first.
 */
export function applyWindow(result: GateResult, gate: GateConfig, history: GateRecord[]): GateResult {
  if (gate.window <= 1 || result.passed) return result;
  const minFailures = gate.min_failures ?? gate.window;
  const past = history.slice(0, gate.window - 1);
  const failures = 1 + past.filter((g) => !g.passed).length;
  const window = { size: gate.window, failures, min_failures: minFailures };
  if (failures >= minFailures) return { ...result, window };
  return {
    ...result,
    passed: true,
    window,
    reason: `${result.reason}; tolerated: failed in ${failures} of the last ${past.length + 1} runs, window fails at ${minFailures}`,
  };
}
