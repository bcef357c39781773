/**
 * SPRT calibration, the pure part: from the paired deltas of repeated no-change runs, estimate σ, recommend
 * `sigma` and `min_pairs`, and check the calibration's quality against floors. The file format (schema 1)
 * keeps the original's field names, with `suite_hash` (sha256, as LoadedSuite.hash) instead of SHA-1.
 */
import { z } from 'zod';
import { TemporalCIError } from '../errors.js';
import { sprtThresholds } from './sprt.js';
import type { SprtParams } from './sprt-params.js';

export const CALIBRATION_SCHEMA_VERSION = 1;
export const CALIBRATION_TOOL = 'temporalci.sprt_calibration';
export const EXIT_CODE_SEMANTICS = { '0': 'ok', '1': 'input_or_runtime_error', '2': 'check_failed' } as const;

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

/** The fields `apply` and `check` read; the rest of the file is informational. */
const calibrationFileSchema = z
  .object({
    schema_version: z.number(),
    tool: z.object({ name: z.string(), version: z.string() }),
    suite_hash: z.string(),
    gate_metric: z.string(),
    gate_index: z.number().int().min(0),
    delta_summary: z.object({ count: z.number().int().min(0) }).passthrough(),
    mismatch_runs: z.number().int().min(0),
    sigma_candidates: z.object({ recommended_sigma: z.number().positive() }).passthrough(),
    recommended_params: z
      .object({
        sigma_mode: z.literal('fixed'),
        sigma: z.number().positive(),
        min_pairs: z.number().int().min(2),
      })
      .passthrough(),
  })
  .passthrough();

export type CalibrationFile = z.infer<typeof calibrationFileSchema>;

/** Reads a calibration JSON; an unknown schema_version or a malformed file is an input error (exit 1). */
export function parseCalibration(data: unknown, file: string): CalibrationFile {
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  if (version !== CALIBRATION_SCHEMA_VERSION) {
    throw new TemporalCIError(
      'USAGE',
      `${file}: unsupported calibration schema_version ${JSON.stringify(version)} (this version reads ${CALIBRATION_SCHEMA_VERSION})`,
      { file, hint: 'regenerate it with `temporalci sprt calibrate`' },
    );
  }
  const r = calibrationFileSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new TemporalCIError(
      'USAGE',
      `${file}: not a calibration file (${first?.path.join('.') || '(root)'}: ${first?.message})`,
      { file, hint: 'regenerate it with `temporalci sprt calibrate`' },
    );
  }
  return r.data;
}
