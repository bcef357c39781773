import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z.object({}).strict();

export type TiParams = z.output<typeof paramsSchema>;

export const tiMeta: MetricMeta<TiParams> = {
  name: 'ti',
  description:
    'temporal information, ffmpeg siti filter (exact port, ITU-T P.910): std of the luma difference of ' +
    'consecutive frames (frame 0 = 0); mean (incl. frame 0, as ffmpeg) and max; 0 = static, grows with ' +
    'motion, flicker and cuts; neither direction is better',
  params: paramsSchema,
  paths: () => ['mean', 'max'],
  higherIsBetter: () => undefined,
  readsPixels: true,
};
