import { z } from 'zod';
import type { MetricMeta } from './types.js';

const PATHS = ['ssim', 'psnr', 'delta_e', 'temporal_profile', 'paired'];

const HIGHER = new Set(['ssim', 'psnr']);

const LOWER = new Set(['delta_e', 'temporal_profile']);

const params = z
  .object({
    max_db: z.number().positive().default(100).describe('PSNR of identical videos (ffmpeg prints inf)'),
    tile: z.number().int().min(1).max(64).default(8).describe('tile side (px) of the colour comparison'),
  })
  .strict();

export type Params = z.infer<typeof params>;

export const vsBaselineMetricMeta: MetricMeta<Params> = {
  name: 'vs_baseline',
  description:
    'the candidate video against the baseline video of the same sample_id, frame by frame: ssim, psnr (luma), ' +
    'delta_e (CIEDE2000 of 8x8-tile colours, lower = closer), temporal_profile (difference of the motion ' +
    'profiles, lower = closer); paired 0 and null values when the baseline kept no video for that sample',
  params,
  paths: () => PATHS,
  higherIsBetter: (path) => (HIGHER.has(path) ? true : LOWER.has(path) ? false : undefined),
  readsPixels: false,
  needsBaselineVideos: true,
  // Nothing to compare until every sample is done and the baseline videos are at hand (finalize).
};
