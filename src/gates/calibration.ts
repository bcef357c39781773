/**
 * SPRT calibration, the pure part: from the paired deltas of repeated no-change runs, estimate σ, recommend
 * `sigma` and `min_pairs` for each sprt_regression gate, and check the calibration's quality against floors.
 * The file format is in calibration-file.ts.
 */
import { roundTo } from '../platform/format.js';
import { sprtThresholds } from './sprt.js';
import type { SprtParams } from './sprt-params.js';

/** 1.4826·MAD estimates σ for Gaussian data; for heavy tails it is smaller than the SD (docs/statistics.md). */
const MAD_TO_SIGMA = 1.4826;

export interface DeltaSummary {
  count: number;
  mean: number | null;
  std: number | null;
  mad_sigma: number | null;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  max: number | null;
}

function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function summarizeDeltas(deltas: readonly number[]): DeltaSummary {
  const n = deltas.length;
  if (n === 0) {
    return {
      count: 0,
      mean: null,
      std: null,
      mad_sigma: null,
      min: null,
      p50: null,
      p90: null,
      p95: null,
      max: null,
    };
  }
  const sorted = [...deltas].sort((a, b) => a - b);
  const mean = deltas.reduce((a, b) => a + b, 0) / n;
  const std = n >= 2 ? Math.sqrt(deltas.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1)) : 0;
  const median = quantile(sorted, 0.5);
  const mad = quantile(
    deltas.map((d) => Math.abs(d - median)).sort((a, b) => a - b),
    0.5,
  );
  return {
    count: n,
    mean,
    std,
    mad_sigma: MAD_TO_SIGMA * mad,
    min: sorted[0]!,
    p50: median,
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    max: sorted[n - 1]!,
  };
}

export interface Recommendation {
  sigma_candidates: {
    sigma_hat_std: number | null;
    sigma_hat_mad: number | null;
    sigma_floor: number;
    recommended_sigma: number;
  };
  required_pairs: {
    upper_threshold: number;
    lower_threshold: number;
    drift_per_pair: number;
    required_pairs_upper: number;
    required_pairs_lower: number;
  };
  recommended_params: {
    sigma_mode: 'fixed';
    sigma: number;
    min_pairs: number;
    min_paired_ratio: number;
    pairing_mismatch: SprtParams['pairing_mismatch'];
    effect_size: number;
    alpha: number;
    beta: number;
  };
}

/**
 * σ = max(SD, 1.4826·MAD, sigma_floor): never MAD alone, which understates heavy-tailed spread and inflates
 * both error rates. min_pairs = max(current, 2, ⌈A/drift⌉), the pairs an unchanged model needs to pass.
 */
export function recommend(summary: DeltaSummary, params: SprtParams): Recommendation {
  const sigma = Math.max(params.sigma_floor, summary.std ?? 0, summary.mad_sigma ?? 0);
  const { upper, lower } = sprtThresholds(params.alpha, params.beta);
  const drift = (params.effect_size * params.effect_size) / (2 * sigma * sigma);
  const requiredUpper = upper / drift;
  return {
    sigma_candidates: {
      sigma_hat_std: summary.std,
      sigma_hat_mad: summary.mad_sigma,
      sigma_floor: params.sigma_floor,
      recommended_sigma: sigma,
    },
    required_pairs: {
      upper_threshold: upper,
      lower_threshold: lower,
      drift_per_pair: drift,
      required_pairs_upper: requiredUpper,
      required_pairs_lower: Math.abs(lower) / drift,
    },
    recommended_params: {
      sigma_mode: 'fixed',
      // Rounded up, so the written σ is never below the estimate.
      sigma: Math.ceil(sigma * 1e6) / 1e6,
      min_pairs: Math.max(params.min_pairs, 2, Math.ceil(requiredUpper)),
      min_paired_ratio: params.min_paired_ratio,
      pairing_mismatch: params.pairing_mismatch,
      effect_size: params.effect_size,
      alpha: params.alpha,
      beta: params.beta,
    },
  };
}

export interface CheckThresholds {
  fail_if_no_deltas?: boolean;
  min_total_deltas?: number;
  max_mismatch_runs?: number;
  max_recommended_sigma?: number;
  min_recommended_sigma?: number;
}

export interface CheckResult {
  enabled: boolean;
  passed: boolean;
  failures: string[];
  thresholds: CheckThresholds;
}

export function checkCalibration(
  c: {
    delta_summary: { count: number };
    mismatch_runs: number;
    sigma_candidates: { recommended_sigma: number };
  },
  t: CheckThresholds,
): CheckResult {
  const failures: string[] = [];
  const n = c.delta_summary.count;
  const sigma = c.sigma_candidates.recommended_sigma;
  if (t.fail_if_no_deltas && n === 0)
    failures.push('no_deltas: the calibration runs produced no paired deltas');
  if (t.min_total_deltas !== undefined && n < t.min_total_deltas) {
    failures.push(`min_total_deltas: ${n} deltas < ${t.min_total_deltas}`);
  }
  if (t.max_mismatch_runs !== undefined && c.mismatch_runs > t.max_mismatch_runs) {
    failures.push(
      `max_mismatch_runs: ${c.mismatch_runs} runs below min_paired_ratio > ${t.max_mismatch_runs}`,
    );
  }
  if (t.max_recommended_sigma !== undefined && sigma > t.max_recommended_sigma) {
    failures.push(`max_recommended_sigma: ${sigma} > ${t.max_recommended_sigma}`);
  }
  if (t.min_recommended_sigma !== undefined && sigma < t.min_recommended_sigma) {
    failures.push(`min_recommended_sigma: ${sigma} < ${t.min_recommended_sigma}`);
  }
  return { enabled: true, passed: failures.length === 0, failures, thresholds: t };
}

/**
 * Which gate a calibration is for. `index` is the gate's position in the suite file's own `gates:` list (not
 * in the list after `{ preset: … }` entries are expanded), so `apply` finds the same YAML node whatever
 * presets come before it.
 */
export interface GateRef {
  index: number;
  metric: string;
  op: string;
}

/** `gates[1] vbench_temporal.dims.motion_smoothness`: how messages name a calibrated gate. */
export const gateLabel = (g: { gate_index: number; gate_metric: string }): string =>
  g.gate_index < 0 ? `gate ${g.gate_metric}` : `gates[${g.gate_index}] ${g.gate_metric}`;

/** One calibration run paired with the baseline on one gate's metric. */
export interface RunPairing {
  run_id: string;
  paired_count: number;
  expected_pairs: number;
  paired_ratio: number;
  deltas: readonly number[];
}

interface RunSummary {
  run_id: string;
  paired_count: number;
  expected_pairs: number;
  paired_ratio: number;
  delta_count: number;
  delta_mean: number | null;
  delta_std: number | null;
}

export interface GateCalibration extends Recommendation {
  gate_index: number;
  gate_metric: string;
  gate_op: string;
  sprt_params: Pick<
    SprtParams,
    | 'alpha'
    | 'beta'
    | 'effect_size'
    | 'sigma_floor'
    | 'min_pairs'
    | 'min_paired_ratio'
    | 'pairing_mode'
    | 'pairing_mismatch'
  >;
  delta_summary: DeltaSummary;
  run_summaries: RunSummary[];
  mismatch_runs: number;
  notes: string[];
}

function notesFor(
  count: number,
  std: number | null,
  mismatchRuns: number,
  minPairs: number,
  expected: number[],
) {
  const notes: string[] = [];
  if (count === 0)
    notes.push('No paired deltas: check that sample ids match between runs (pairing_mode, plan).');
  else if (std === 0) {
    notes.push(
      'Recommended sigma may be optimistic: every delta was identical (a deterministic model gives σ = 0, so sigma_floor was used).',
    );
  }
  if (mismatchRuns > 0) notes.push(`${mismatchRuns} run(s) paired below min_paired_ratio.`);
  const sorted = [...expected].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
  if (minPairs > median) {
    notes.push(
      `Recommended min_pairs ${minPairs} exceeds the median expected pairs per run (${median}): add samples.`,
    );
  }
  return notes;
}

/** One gate's calibration from the pairings of every calibration run with the baseline on its metric. */
export function calibrateGate(
  ref: GateRef,
  params: SprtParams,
  runs: readonly RunPairing[],
): GateCalibration {
  const runSummaries: RunSummary[] = runs.map((r) => {
    const s = summarizeDeltas(r.deltas);
    return {
      run_id: r.run_id,
      paired_count: r.paired_count,
      expected_pairs: r.expected_pairs,
      paired_ratio: roundTo(r.paired_ratio, 6),
      delta_count: r.deltas.length,
      delta_mean: s.mean,
      delta_std: s.std,
    };
  });
  const summary = summarizeDeltas(runs.flatMap((r) => r.deltas));
  const rec = recommend(summary, params);
  const mismatchRuns = runSummaries.filter((r) => r.paired_ratio < params.min_paired_ratio).length;
  return {
    gate_index: ref.index,
    gate_metric: ref.metric,
    gate_op: ref.op,
    sprt_params: {
      alpha: params.alpha,
      beta: params.beta,
      effect_size: params.effect_size,
      sigma_floor: params.sigma_floor,
      min_pairs: params.min_pairs,
      min_paired_ratio: params.min_paired_ratio,
      pairing_mode: params.pairing_mode,
      pairing_mismatch: params.pairing_mismatch,
    },
    delta_summary: summary,
    ...rec,
    run_summaries: runSummaries,
    mismatch_runs: mismatchRuns,
    notes: notesFor(
      summary.count,
      summary.std,
      mismatchRuns,
      rec.recommended_params.min_pairs,
      runSummaries.map((r) => r.expected_pairs),
    ),
  };
}

type CheckedGate = Parameters<typeof checkCalibration>[0] & { gate_index: number; gate_metric: string };

/** Checks every gate of a calibration; each failure names its gate. */
export function checkCalibrationGates(gates: readonly CheckedGate[], t: CheckThresholds): CheckResult {
  const failures = gates.flatMap((g) => checkCalibration(g, t).failures.map((f) => `${gateLabel(g)}: ${f}`));
  return { enabled: true, passed: failures.length === 0, failures, thresholds: t };
}
