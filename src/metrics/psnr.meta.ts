import { z } from 'zod';
import { PAIR_MODES } from './ffmpeg-shared.js';
import type { MetricMeta } from './types.js';

const HIGHER = new Set(['mean', 'min', 'u', 'v', 'average', 'average_min']);

const paramsSchema = z
  .object({
    mode: z.enum(PAIR_MODES).default('consecutive'),
    max_db: z.number().positive().max(1000).default(100),
  })
  .strict();

export type PsnrParams = z.output<typeof paramsSchema>;

export const psnrMeta: MetricMeta<PsnrParams> = {
  name: 'psnr',
  description:
    "ffmpeg psnr filter (exact port: integer SSE, 10*log10(255^2/MSE)) on the file's stored planes, " +
    'between consecutive frames (mode: reference = against the held-out truth, what `ffmpeg -lavfi psnr` ' +
    'prints for the two files): mean = y = 10*log10(255^2/mean luma MSE) as ffmpeg averages, min = worst ' +
    'luma pair, u/v chroma, average = ffmpeg average over the area-weighted MSE, average_min its worst ' +
    'frame; dB capped at max_db (identical = inf in ffmpeg), higher = more similar; mse_mean (luma) lower = ' +
    'more similar',
  params: paramsSchema,
  paths: () => ['mean', 'min', 'mse_mean', 'u', 'v', 'average', 'average_min'],
  higherIsBetter: (path) => {
    if (HIGHER.has(path)) return true;
    return path === 'mse_mean' ? false : undefined;
  },
  readsPixels: true,
};
