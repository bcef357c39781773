/**
 * The calibration file `sprt calibrate` writes and `sprt apply` / `sprt check` read. Schema 2 holds every
 * sprt_regression gate of the suite under `gates[]`, each named by its position in the suite file's own
 * `gates:` list and its metric. Schema 1 (one gate at top level, `gate_index` counted after preset expansion)
 * is still read, as a file with one gate. Field names follow the original, with `suite_hash` (sha256, as
 * LoadedSuite.hash) instead of SHA-1. The original's own file (`suite_hash_sha1`, no gate_index) is read too.
 */
import { z } from 'zod';
import { TemporalCIError } from '../errors.js';
import { gateLabel } from './calibration.js';

/** The values `apply` writes into a gate's params (with `sigma_mode: fixed`). */
interface CalibratedValues {
  sigma: number;
  min_pairs: number;
}

export const CALIBRATION_SCHEMA_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, CALIBRATION_SCHEMA_VERSION];
export const CALIBRATION_TOOL = 'temporalci.sprt_calibration';
export const EXIT_CODE_SEMANTICS = { '0': 'ok', '1': 'input_or_runtime_error', '2': 'check_failed' } as const;

/** The fields of one gate that `apply` and `check` read; the rest is informational. */
const gateFields = {
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
};
const gateSchema = z.object(gateFields).passthrough();

const head = {
  tool: z.object({ name: z.string(), version: z.string() }),
  suite_hash: z.string(),
};
const v2Schema = z
  .object({ ...head, schema_version: z.literal(2), gates: z.array(gateSchema).min(1) })
  .passthrough();
const v1Schema = z.object({ ...head, schema_version: z.literal(1), ...gateFields }).passthrough();
/**
 * The original TemporalCI's file (its schema 1): the SHA-1 of the suite bytes as `suite_hash_sha1`, and no
 * gate_index (it named the gate by metric only), so `apply` finds the gate by its metric.
 */
const originalSchema = z
  .object({
    tool: head.tool,
    suite_hash_sha1: z.string(),
    schema_version: z.literal(1),
    ...gateFields,
    gate_index: z.number().int().min(0).optional(),
  })
  .passthrough();

type CalibratedGate = z.infer<typeof gateSchema>;

export interface CalibrationFile {
  schema_version: number;
  suite_hash: string;
  /** How suite_hash was computed from the suite bytes: ours is sha256, the original's file SHA-1. */
  hash_algorithm: 'sha256' | 'sha1';
  gates: CalibratedGate[];
}

function notACalibration(file: string, error: z.ZodError): TemporalCIError {
  const first = error.issues[0];
  return new TemporalCIError(
    'USAGE',
    `${file}: not a calibration file (${first?.path.join('.') || '(root)'}: ${first?.message})`,
    { file, hint: 'regenerate it with `temporalci sprt calibrate`' },
  );
}

/** Reads a calibration JSON; an unknown schema_version or a malformed file is an input error (exit 1). */
export function parseCalibration(data: unknown, file: string): CalibrationFile {
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version !== 'number' || !READABLE_VERSIONS.includes(version)) {
    throw new TemporalCIError(
      'USAGE',
      `${file}: unsupported calibration schema_version ${JSON.stringify(version)} (this version reads ${READABLE_VERSIONS.join(' and ')})`,
      { file, hint: 'regenerate it with `temporalci sprt calibrate`' },
    );
  }
  const obj = data as Record<string, unknown>;
  if (version === 1 && obj.suite_hash === undefined && obj.suite_hash_sha1 !== undefined) {
    const r = originalSchema.safeParse(data);
    if (!r.success) throw notACalibration(file, r.error);
    // -1: not known; `apply` then finds the gate by its metric.
    const gate = { ...r.data, gate_index: r.data.gate_index ?? -1 };
    return { schema_version: 1, suite_hash: r.data.suite_hash_sha1, hash_algorithm: 'sha1', gates: [gate] };
  }
  if (version === 1) {
    const r = v1Schema.safeParse(data);
    if (!r.success) throw notACalibration(file, r.error);
    // Schema 1 counted gate_index after preset expansion; `apply` falls back to the metric when the index
    // does not hold a sprt_regression gate on it.
    return { schema_version: 1, suite_hash: r.data.suite_hash, hash_algorithm: 'sha256', gates: [r.data] };
  }
  const r = v2Schema.safeParse(data);
  if (!r.success) throw notACalibration(file, r.error);
  return { schema_version: 2, suite_hash: r.data.suite_hash, hash_algorithm: 'sha256', gates: r.data.gates };
}

/** One write `apply` makes: the values into the sprt_regression gate on `metric` (at `index` when it is there). */
export interface ApplyTarget {
  metric: string;
  index: number;
  values: CalibratedValues;
  /** Where the values come from when that is another gate's calibration (`--gate-metric` to a new metric). */
  from?: string;
}

const valuesOf = (g: CalibratedGate): CalibratedValues => ({
  sigma: g.recommended_params.sigma,
  min_pairs: g.recommended_params.min_pairs,
});

/**
 * What `apply` writes: every calibrated gate by default; with `--gate-metric`, the calibrated gates on that
 * metric, or, when the file calibrated a single gate on another metric, that gate's values into the named
 * gate (found by metric).
 */
export function applyTargets(cal: CalibrationFile, gateMetric: string | undefined): ApplyTarget[] {
  const target = (g: CalibratedGate): ApplyTarget => ({
    metric: g.gate_metric,
    index: g.gate_index,
    values: valuesOf(g),
  });
  if (gateMetric === undefined) return cal.gates.map(target);
  const hits = cal.gates.filter((g) => g.gate_metric === gateMetric);
  if (hits.length > 0) return hits.map(target);
  const only = cal.gates.length === 1 ? cal.gates[0] : undefined;
  if (only !== undefined) return [{ ...target(only), metric: gateMetric, index: -1, from: gateLabel(only) }];
  throw new TemporalCIError('USAGE', `the calibration has no gate on ${gateMetric}`, {
    hint: `calibrated gates: ${cal.gates.map(gateLabel).join(', ')}; omit --gate-metric to apply them all`,
  });
}
