import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z.object({}).strict();

export type VmafMotionParams = z.output<typeof paramsSchema>;

export const vmafMotionMeta: MetricMeta<VmafMotionParams> = {
  name: 'vmaf_motion',
  description:
    'ffmpeg vmafmotion filter (exact port: Q15 5-tap blur, SAD of consecutive blurred frames / (w*h), ' +
    '8-bit units) on luma; mean over all frames with frame 0 = 0 (as ffmpeg averages) and max; ' +
    'amount of motion, 0 = static, real video ~0-40; neither direction is better',
  params: paramsSchema,
  paths: () => ['mean', 'max'],
  higherIsBetter: () => undefined,
  readsPixels: true,
};
