import { z } from 'zod';
import type { MetricMeta } from './types.js';

const paramsSchema = z
  .object({ size: z.number().int().min(16).max(4096).default(256).describe('shorter side of the analysis') })
  .strict();
export type SharpnessParams = z.output<typeof paramsSchema>;

export const sharpnessMeta: MetricMeta<SharpnessParams> = {
  name: 'sharpness',
  description:
    'variance of the 3x3 Laplacian of luma resized to a fixed shorter side (default 256); mean/min/max over ' +
    'frames; higher = sharper (relative signal, resolution- and content-dependent)',
  params: paramsSchema,
  paths: () => ['mean', 'min', 'max'],
  higherIsBetter: (p) => (p === 'mean' || p === 'min' || p === 'max' ? true : undefined),
  // Content-scaled: a textured prompt has 100x the Laplacian variance of a foggy one.
  scale: () => 'log',
  readsPixels: true,
};
