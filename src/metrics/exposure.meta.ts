import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({
    highlight: z.number().int().min(128).max(255).default(250).describe('luma >= this counts as clipped'),
    shadow: z.number().int().min(0).max(127).default(5).describe('luma <= this counts as crushed'),
  })
  .strict();
export type ExposureParams = z.output<typeof paramsSchema>;

export const exposureMeta: MetricMeta<ExposureParams> = {
  name: 'exposure',
  description:
    'share of clipped luma: highlights (>= 250) and shadows (<= 5), mean over frames and worst frame (_max); ' +
    'in [0, 1], lower = better exposed',
  params: paramsSchema,
  paths: () => ['highlights', 'shadows', 'highlights_max', 'shadows_max'],
  higherIsBetter: (p) =>
    ['highlights', 'shadows', 'highlights_max', 'shadows_max'].includes(p) ? false : undefined,
  readsPixels: true,
};
