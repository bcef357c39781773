import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z.object({}).strict();
export type FrameConsistencyParams = z.output<typeof paramsSchema>;

export const frameConsistencyMeta: MetricMeta<FrameConsistencyParams> = {
  name: 'frame_consistency',
  description:
    'SSIM-based frame consistency (ffmpeg ssim kernel on luma): consecutive = mean SSIM(t, t-1), ' +
    'first_frame = mean SSIM(t, 0); in [0, 1], higher = more consistent (also lower with large motion)',
  params: paramsSchema,
  paths: () => ['consecutive', 'first_frame'],
  higherIsBetter: (p) => (p === 'consecutive' || p === 'first_frame' ? true : undefined),
  readsPixels: true,
};
