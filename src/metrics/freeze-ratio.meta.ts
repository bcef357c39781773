import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({
    max_mad: z.number().min(0).max(10).default(0.5).describe('pair MAD (8-bit levels) at or below = frozen'),
  })
  .strict();
export type FreezeRatioParams = z.output<typeof paramsSchema>;

export const freezeRatioMeta: MetricMeta<FreezeRatioParams> = {
  name: 'freeze_ratio',
  description:
    'share of consecutive frame pairs that are duplicates (luma MAD <= 0.5 levels), their count and the ' +
    'longest frozen run (pairs); lower = fewer frozen frames',
  params: paramsSchema,
  paths: () => ['ratio', 'frozen_pairs', 'longest_run'],
  higherIsBetter: (p) => (['ratio', 'frozen_pairs', 'longest_run'].includes(p) ? false : undefined),
  readsPixels: true,
};
