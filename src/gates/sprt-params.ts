import { z } from 'zod';

/**
 * Params of a `sprt_regression` gate (names and defaults as in the original TemporalCI). Unlike the
 * original, every one is checked at validate time, so a bad `alpha` fails `temporalci validate`
 * instead of failing the gate at run time.
 */
export const SPRT_DEFAULTS = {
  alpha: 0.05,
  beta: 0.1,
  effect_size: 0.02,
  sigma_mode: 'estimate',
  sigma_floor: 0.01,
  min_pairs: 6,
  min_paired_ratio: 1.0,
  pairing_mismatch: 'fail',
  inconclusive: 'fail',
  // A first run has nothing to pair with: by default it is a bootstrap (the gate passes, saying it was not
  // evaluated) so `--baseline-mode none` and the first `latest_pass` run can pass. `require_baseline: true`
  // (or `baseline_missing: fail`) restores the strict original.
  require_baseline: false,
  pairing_mode: 'sample_id',
  at_max_pairs: 'inconclusive',
} as const;

const openHalf = z.number().gt(0).lt(0.5);

export const sprtParamsSchema = z
  .object({
    alpha: openHalf.default(SPRT_DEFAULTS.alpha).describe('error bound, in (0, 0.5)'),
    beta: openHalf.default(SPRT_DEFAULTS.beta).describe('error bound, in (0, 0.5)'),
    effect_size: z
      .number()
      .gt(0)
      .default(SPRT_DEFAULTS.effect_size)
      .describe('regression size δ to detect (> 0)'),
    sigma_mode: z
      .enum(['estimate', 'fixed'])
      .default(SPRT_DEFAULTS.sigma_mode)
      .describe('estimate σ from the paired deltas, or use `sigma`'),
    sigma: z.number().gt(0).optional().describe('fixed σ (> 0); required when sigma_mode is fixed'),
    sigma_floor: z
      .number()
      .gt(0)
      .default(SPRT_DEFAULTS.sigma_floor)
      .describe('lower bound on the estimated σ'),
    min_pairs: z
      .number()
      .int()
      .min(2)
      .default(SPRT_DEFAULTS.min_pairs)
      .describe('pairs needed before deciding'),
    max_pairs: z.number().int().min(2).optional().describe('stop using pairs after this many (>= min_pairs)'),
    // Additive (not in the original). Wald's boundaries ignore overshoot, so with known σ the real error rates
    // sit well under α and β and the test reads more samples than needed (docs/statistics.md §4).
    boundary: z
      .enum(['wald', 'corrected'])
      .optional()
      .describe(
        "wald: the original's ln((1−β)/α) and ln(β/(1−α)); corrected: both moved inward by Siegmund's overshoot term 0.583·(δ/σ)·√(wave pairs), so real error rates approach α and β with fewer pairs. Default: corrected when sigma_mode is fixed, wald when estimate",
      ),
    at_max_pairs: z
      .enum(['inconclusive', 'sign'])
      .default(SPRT_DEFAULTS.at_max_pairs)
      .describe(
        'at max_pairs without a boundary crossing: inconclusive (the inconclusive policy applies) or sign (truncated SPRT: LLR >= 0 passes, < 0 fails)',
      ),
    min_paired_ratio: z
      .number()
      .gt(0)
      .max(1)
      .default(SPRT_DEFAULTS.min_paired_ratio)
      .describe('share of samples that must pair with the baseline, in (0, 1]'),
    pairing_mismatch: z.enum(['fail', 'pass', 'skip']).default(SPRT_DEFAULTS.pairing_mismatch),
    inconclusive: z.enum(['fail', 'pass']).default(SPRT_DEFAULTS.inconclusive),
    require_baseline: z.boolean().default(SPRT_DEFAULTS.require_baseline),
    // No default of its own: it follows require_baseline (see baselineMissingPolicy).
    baseline_missing: z
      .enum(['fail', 'pass', 'skip'])
      .optional()
      .describe(
        'with no baseline: fail, pass, or skip (a bootstrap run: passes, not evaluated). Default: skip, or fail with require_baseline: true. `skip` requires require_baseline: false',
      ),
    pairing_mode: z.enum(['sample_id', 'legacy']).default(SPRT_DEFAULTS.pairing_mode),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.sigma_mode === 'fixed' && p.sigma === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sigma'],
        message: 'sigma is required when sigma_mode is fixed',
      });
    }
    if (p.baseline_missing === 'skip' && p.require_baseline) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseline_missing'],
        message: 'baseline_missing: skip requires require_baseline: false',
      });
    }
    if (p.at_max_pairs === 'sign' && p.max_pairs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['at_max_pairs'],
        message: 'at_max_pairs: sign needs max_pairs (the truncation point)',
      });
    }
    if (p.max_pairs !== undefined && p.max_pairs < p.min_pairs) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_pairs'],
        message: `max_pairs (${p.max_pairs}) must be >= min_pairs (${p.min_pairs})`,
      });
    }
  });

/** The SPRT gate's params after defaults. */
export type SprtParams = z.infer<typeof sprtParamsSchema>;

/**
 * The boundary actually used. The overshoot correction is derived for a known σ; with an estimated σ the
 * estimation noise already pushes the error rates above nominal at small min_pairs (docs/statistics.md §3),
 * and Wald's slack is what partly offsets it, so `estimate` keeps Wald's boundaries unless asked otherwise.
 */
export function resolveBoundary(p: Pick<SprtParams, 'boundary' | 'sigma_mode'>): 'wald' | 'corrected' {
  return p.boundary ?? (p.sigma_mode === 'fixed' ? 'corrected' : 'wald');
}

/**
 * What a run with no baseline does. Without an explicit `baseline_missing` it follows `require_baseline`:
 * a required baseline that is missing fails, otherwise the run is a bootstrap (`skip`: passes, not evaluated).
 */
export function baselineMissingPolicy(
  p: Pick<SprtParams, 'require_baseline' | 'baseline_missing'>,
): 'fail' | 'pass' | 'skip' {
  if (p.baseline_missing === undefined) return p.require_baseline ? 'fail' : 'skip';
  // Validation rejects skip with require_baseline; a trace built from unvalidated params still must not pass.
  return p.require_baseline && p.baseline_missing === 'skip' ? 'fail' : p.baseline_missing;
}

/** SPRT needs a direction: which way is a regression. */
export const SPRT_OPS = ['>=', '>', '<=', '<'] as const;
