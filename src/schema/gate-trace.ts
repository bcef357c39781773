import { z } from 'zod';

/**
 * The typed traces statistical gates write into `GateResult.detail`: one discriminated union, `method`
 * first, then `decision`. The zod schemas are the single definition: the gates build values of these types,
 * and every reader parses with the same schemas, so a writer and a reader cannot disagree about a key (the
 * report once read `expected_pairs` where the gate wrote `pairs_planned`). Threshold gates write no trace.
 *
 * Field names are the ones run.json has always held, so records written before the `method` discriminant
 * existed parse too (see `readGateTrace`).
 */

const policy = z.enum(['fail', 'pass', 'skip']);
const pairingMode = z.enum(['sample_id', 'legacy']);

/** One of the most negative paired deltas (direction-normalised: negative = worse), worst first. */
const worstDeltaSchema = z.object({
  sample_id: z.string(),
  prompt: z.string().nullable(),
  seed: z.number().nullable(),
  current: z.number(),
  baseline: z.number(),
  delta: z.number(),
});
export type WorstDelta = z.infer<typeof worstDeltaSchema>;

/** Parts every statistical trace has: the gate is `threshold_passed AND decision_passed`. */
const verdictParts = {
  threshold_passed: z.boolean(),
  decision_passed: z.boolean(),
};

// ---- sprt_regression -------------------------------------------------------------------------------------

const sprtParts = {
  method: z.literal('sprt_regression'),
  ...verdictParts,
  alpha: z.number(),
  beta: z.number(),
  effect_size: z.number(),
  min_pairs: z.number(),
  max_pairs: z.number().nullable(),
  min_paired_ratio: z.number(),
  samples_planned: z.number(),
  samples_generated: z.number(),
};

const sprtLookSchema = z.object({
  wave: z.number(),
  /** Pairs seen in total after this wave. */
  pairs: z.number(),
  llr: z.number(),
  sigma: z.number(),
  upper: z.number(),
  lower: z.number(),
  decision: z.enum(['continue', 'accept_h1_no_regression', 'accept_h0_regression', 'inconclusive']),
});

/** The state of the sequential test, present once there was a baseline to pair with. */
const sprtTestParts = {
  /** Pairs fed to the test. */
  pairs_used: z.number(),
  /** Baseline samples in the plan: the pairs the test could have used, had the run not stopped early. */
  pairs_planned: z.number(),
  paired_ratio: z.number(),
  pairing: z.object({
    mode: pairingMode,
    current_count: z.number(),
    baseline_count: z.number(),
    expected_pairs: z.number(),
    paired_count: z.number(),
    paired_ratio: z.number(),
    current_unmatched: z.number(),
    baseline_unmatched: z.number(),
  }),
  sigma_mode: z.enum(['estimate', 'fixed']),
  sigma: z.number(),
  sigma_floor: z.number(),
  mean_delta: z.number(),
  llr: z.number(),
  boundary: z.enum(['wald', 'corrected']),
  /** The boundaries of the latest look: what the LLR was compared with. */
  upper_threshold: z.number(),
  lower_threshold: z.number(),
  wald_upper_threshold: z.number(),
  wald_lower_threshold: z.number(),
  at_max_pairs: z.enum(['inconclusive', 'sign']),
  decided_by: z.enum(['boundary', 'max_pairs_sign']).nullable(),
  /** The fixed-sample z-test size with the same α, β and δ at the σ used. */
  fixed_n_pairs: z.number(),
  drift_per_pair: z.number(),
  required_pairs_upper: z.number(),
  required_pairs_lower: z.number(),
  decided_at: z.object({ wave: z.number(), pairs: z.number() }).nullable(),
  waves: z.array(sprtLookSchema),
  worst_deltas: z.array(worstDeltaSchema),
};

const sprtTraceSchema = z.discriminatedUnion('decision', [
  z.object({
    ...sprtParts,
    decision: z.literal('baseline_missing'),
    // `bootstrap`: policy skip, the run passed without being evaluated (traces before it read `baseline_missing`).
    reason: z.enum(['baseline_missing', 'bootstrap']),
    baseline_missing_policy: policy,
    require_baseline: z.boolean(),
  }),
  z.object({
    ...sprtParts,
    ...sprtTestParts,
    decision: z.literal('pairing_mismatch'),
    // no_common_samples: not one sample pairs (other seeds or prompts); the gate then applies its
    // baseline_missing policy, since there is as little to compare as with no baseline at all.
    reason: z.enum(['paired_ratio_below_min', 'no_common_samples']),
    pairing_mismatch_policy: policy,
  }),
  z.object({
    ...sprtParts,
    ...sprtTestParts,
    decision: z.enum(['accept_h1_no_regression', 'accept_h0_regression']),
    reason: z.enum(['crossed_upper', 'crossed_lower', 'max_pairs_sign']),
  }),
  z.object({
    ...sprtParts,
    ...sprtTestParts,
    decision: z.literal('inconclusive'),
    reason: z.enum(['insufficient_pairs', 'max_pairs_reached', 'plan_exhausted']),
    inconclusive_policy: z.enum(['fail', 'pass']),
  }),
]);
export type SprtTrace = z.infer<typeof sprtTraceSchema>;
/** An SPRT trace that got as far as pairing with a baseline. */
export type SprtTestedTrace = Exclude<SprtTrace, { decision: 'baseline_missing' }>;

// ---- paired_test -----------------------------------------------------------------------------------------

const pairedParts = { method: z.literal('paired_test'), ...verdictParts };

const pairedPairing = z.object({
  mode: pairingMode,
  expected_pairs: z.number(),
  paired_count: z.number(),
  paired_ratio: z.number(),
});

const pairedTraceSchema = z.discriminatedUnion('decision', [
  z.object({ ...pairedParts, decision: z.literal('baseline_missing'), baseline_missing_policy: policy }),
  z.object({
    ...pairedParts,
    decision: z.literal('pairing_mismatch'),
    // As for SPRT: no_common_samples applies the baseline_missing policy (absent in traces before it).
    reason: z.enum(['paired_ratio_below_min', 'no_common_samples']).optional(),
    pairing_mismatch_policy: policy,
    pairing: pairedPairing,
  }),
  z.object({ ...pairedParts, decision: z.literal('insufficient_pairs'), pairing: pairedPairing }),
  z.object({
    ...pairedParts,
    decision: z.enum(['regression', 'no_regression']),
    test: z.enum(['t', 'bootstrap']),
    n: z.number(),
    mean_delta: z.number(),
    sd: z.number(),
    ci: z.tuple([z.number(), z.number()]),
    confidence: z.number(),
    p_value: z.number(),
    adjusted_p_value: z.number().nullable(),
    correction: z.enum(['none', 'holm']),
    significant: z.boolean(),
    magnitude_ok: z.boolean(),
    baseline_mean: z.number(),
    min_absolute_change: z.number(),
    min_relative_change: z.number(),
    pairing: pairedPairing,
    worst_deltas: z.array(worstDeltaSchema),
  }),
]);
export type PairedTrace = z.infer<typeof pairedTraceSchema>;

// ---- the union -------------------------------------------------------------------------------------------

export const gateTraceSchema = z.discriminatedUnion('method', [sprtTraceSchema, pairedTraceSchema]);
export type GateTrace = z.infer<typeof gateTraceSchema>;

/**
 * A `detail` written before traces were typed: plain JSON with no `method` key (today's keys without the
 * discriminant, or the original TemporalCI's `upper_threshold`/`llr_history` shape). Only lenient readers
 * look inside it; nothing writes one any more.
 */
interface LegacyGateDetail {
  readonly method?: undefined;
  readonly [key: string]: unknown;
}

/** What `GateResult.detail` may hold when read back from a run.json of any version. */
export type GateDetail = GateTrace | LegacyGateDetail;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The typed trace of a stored gate verdict, or null when it holds none that parses. A detail without the
 * `method` key is tried as the gate's own method, which upgrades records written before the discriminant
 * (same keys); anything else (the original's shape, a record from a newer version) is left to the caller's
 * lenient reader. Never throws.
 */
export function readGateTrace(g: { method: string; detail?: unknown }): GateTrace | null {
  if (!isPlainObject(g.detail)) return null;
  const direct = gateTraceSchema.safeParse(g.detail);
  if (direct.success) return direct.data;
  if (g.detail.method !== undefined) return null;
  const upgraded = gateTraceSchema.safeParse({ ...g.detail, method: g.method });
  return upgraded.success ? upgraded.data : null;
}

/** The SPRT trace of a stored verdict, or null (see `readGateTrace`). */
export function readSprtTrace(g: { method: string; detail?: unknown }): SprtTrace | null {
  const t = readGateTrace(g);
  switch (t?.method) {
    case 'sprt_regression':
      return t;
    default:
      return null;
  }
}

/** A statistical gate's decision word (`accept_h1_no_regression`, `pairing_mismatch`, …), typed or legacy. */
export function gateDecision(g: { method: string; detail?: unknown }): string | null {
  const t = readGateTrace(g);
  if (t !== null) return t.decision;
  const legacy = isPlainObject(g.detail) ? g.detail.decision : undefined;
  return typeof legacy === 'string' ? legacy : null;
}
