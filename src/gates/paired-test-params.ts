import { z } from 'zod';

/**
 * Params of a `paired_test` gate: a fixed-sample paired test (Student t or bootstrap) on per-sample deltas
 * paired with the baseline by sample_id. A regression must be significant AND beyond both magnitude floors
 * (the Perfherder/Otava rule), so a real but irrelevant shift never fails a build.
 */
const PAIRED_TEST_DEFAULTS = {
  test: 't',
  confidence: 0.95,
  seed: 0,
  iterations: 10_000,
  min_absolute_change: 1e-6,
  min_relative_change: 0.01,
  min_pairs: 6,
  min_paired_ratio: 1.0,
  pairing_mismatch: 'fail',
  require_baseline: true,
  baseline_missing: 'fail',
  pairing_mode: 'sample_id',
} as const;

export const pairedTestParamsSchema = z
  .object({
    test: z
      .enum(['t', 'bootstrap'])
      .default(PAIRED_TEST_DEFAULTS.test)
      .describe('t: paired Student t; bootstrap: seeded percentile bootstrap of the mean delta'),
    confidence: z
      .number()
      .gt(0.5)
      .lt(1)
      .default(PAIRED_TEST_DEFAULTS.confidence)
      .describe('two-sided confidence level; significant when p < 1 - confidence'),
    seed: z.number().int().min(0).default(PAIRED_TEST_DEFAULTS.seed).describe('bootstrap seed'),
    iterations: z
      .number()
      .int()
      .min(100)
      .max(1_000_000)
      .default(PAIRED_TEST_DEFAULTS.iterations)
      .describe('bootstrap resamples'),
    min_absolute_change: z
      .number()
      .min(0)
      .default(PAIRED_TEST_DEFAULTS.min_absolute_change)
      .describe('|mean delta| must reach this (metric units) to count as a regression'),
    min_relative_change: z
      .number()
      .min(0)
      .default(PAIRED_TEST_DEFAULTS.min_relative_change)
      .describe('|mean delta| must also reach this share of |baseline mean|'),
    min_pairs: z
      .number()
      .int()
      .min(2)
      .default(PAIRED_TEST_DEFAULTS.min_pairs)
      .describe('fewer pairs fail the gate (not enough data to clear a build)'),
    min_paired_ratio: z.number().gt(0).max(1).default(PAIRED_TEST_DEFAULTS.min_paired_ratio),
    pairing_mismatch: z.enum(['fail', 'pass', 'skip']).default(PAIRED_TEST_DEFAULTS.pairing_mismatch),
    require_baseline: z.boolean().default(PAIRED_TEST_DEFAULTS.require_baseline),
    baseline_missing: z
      .enum(['fail', 'pass', 'skip'])
      .default(PAIRED_TEST_DEFAULTS.baseline_missing)
      .describe('`skip` requires require_baseline: false'),
    pairing_mode: z.enum(['sample_id', 'legacy']).default(PAIRED_TEST_DEFAULTS.pairing_mode),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.baseline_missing === 'skip' && p.require_baseline) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseline_missing'],
        message: 'baseline_missing: skip requires require_baseline: false',
      });
    }
  });
