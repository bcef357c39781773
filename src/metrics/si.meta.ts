import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z.object({}).strict();

export type SiParams = z.output<typeof paramsSchema>;

export const siMeta: MetricMeta<SiParams> = {
  name: 'si',
  description:
    'spatial information, ffmpeg siti filter (exact port, ITU-T P.910): std of the Sobel magnitude of full-' +
    'range luma per frame; mean and max over frames (ffmpeg summary); detail/texture, 0 = flat, ' +
    'typically 0-250; neither direction is better',
  params: paramsSchema,
  paths: () => ['mean', 'max'],
  higherIsBetter: () => undefined,
  readsPixels: true,
};
