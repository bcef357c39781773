import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({
    side: z
      .number()
      .int()
      .min(16)
      .default(256)
      .describe('shorter side the flow and the error are computed at (frames are never upscaled)'),
  })
  .strict();

export type WarpingErrorParams = z.output<typeof paramsSchema>;

export const warpingErrorMeta: MetricMeta<WarpingErrorParams> = {
  name: 'warping_error',
  description:
    'Lai et al. 2018 warping error (occlusion and motion-boundary masks, squared rgb error in [0,1]) with a ' +
    'block-matching flow proxy (8x8 blocks, whole pixels, both directions) instead of FlowNet2: mean and ' +
    'max over consecutive pairs, lower = steadier; masked = share of pixels excluded',
  params: paramsSchema,
  paths: () => ['mean', 'max', 'masked'],
  higherIsBetter: (path) => (path === 'mean' || path === 'max' ? false : undefined),
  readsPixels: true,
};
