import { z } from 'zod';

/**
 * Params of a `threshold` gate. They only matter when the gate is compared with a baseline: a change counts
 * as a regression only when it exceeds BOTH floors, so float noise on a near-zero value (relative floor
 * alone) or a tiny drift on a large value (absolute floor alone) never fails a build.
 */
export const THRESHOLD_DEFAULTS = {
  /** Smallest absolute change (in the metric's units) that can count as a regression. */
  min_absolute_change: 1e-6,
  /** Smallest change relative to |baseline| (0.01 = 1%) that can count as a regression. */
  min_relative_change: 0.01,
} as const;

/** How a change is judged significant before the floors apply (src/gates/regression.ts). */
export const REGRESSION_DEFAULTS = {
  regression_test: 'auto',
  /** Two-sided false-alarm level of the test on no-change runs. */
  alpha: 0.05,
  /** Pairs by sample_id needed for the paired test; fewer = Welch on the two runs as wholes. */
  min_pairs: 3,
} as const;

export const thresholdParamsSchema = z
  .object({
    min_absolute_change: z
      .number()
      .min(0)
      .default(THRESHOLD_DEFAULTS.min_absolute_change)
      .describe('a regression must change the value by more than this (absolute); default 1e-6'),
    min_relative_change: z
      .number()
      .min(0)
      .default(THRESHOLD_DEFAULTS.min_relative_change)
      .describe('a regression must also change it by more than this share of |baseline|; default 0.01'),
    regression_test: z
      .enum(['auto', 'mean'])
      .default(REGRESSION_DEFAULTS.regression_test)
      .describe(
        'auto: significant against the noise (paired t-test by sample_id, Welch when samples do not pair) and beyond both floors; mean: the two aggregates compared, floors only',
      ),
    alpha: z
      .number()
      .gt(0)
      .lt(0.5)
      .default(REGRESSION_DEFAULTS.alpha)
      .describe('false-alarm level of the statistical regression check (two-sided)'),
    min_pairs: z
      .number()
      .int()
      .min(2)
      .default(REGRESSION_DEFAULTS.min_pairs)
      .describe('paired samples needed for the paired test; fewer pair = the unpaired test'),
    allow_not_evaluated: z
      .boolean()
      .default(false)
      .describe(
        "pass (with a warning) although the metric's coverage counter (e.g. safety not_evaluated) is > 0; default false: the gate fails",
      ),
  })
  .strict();

export type ThresholdParams = z.infer<typeof thresholdParamsSchema>;
