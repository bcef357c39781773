import { z } from 'zod';
import { PAIR_MODES } from './ffmpeg-shared.js';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({
    mode: z.enum(PAIR_MODES).default('consecutive'),
  })
  .strict();

export type SsimParams = z.output<typeof paramsSchema>;

export const ssimMeta: MetricMeta<SsimParams> = {
  name: 'ssim',
  description:
    'ffmpeg ssim filter (exact port: x264 8x8 windows at stride 4, C1=416, C2=235963, float32) on the ' +
    "file's stored planes, between consecutive frames (mode: reference = against the held-out truth, what " +
    '`ffmpeg -lavfi ssim` prints for the two files): mean/min over pairs of Y, u/v chroma, all = ' +
    'area-weighted All (all_min its worst pair); in [0, 1] (may dip below 0), higher = more similar; ~1 ' +
    'flags frozen/duplicate frames, very low flags cuts; not a flicker detector',
  params: paramsSchema,
  paths: () => ['mean', 'min', 'u', 'v', 'all', 'all_min'],
  higherIsBetter: (path) => (['mean', 'min', 'u', 'v', 'all', 'all_min'].includes(path) ? true : undefined),
  readsPixels: true,
};
