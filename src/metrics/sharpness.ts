import { z } from 'zod';
import { laplacianVariance, resizeBilinear, sizeWithMinSide } from './kernels/image.js';
import { PerFrameMean } from './per-frame.js';
import type { MetricDefinition } from './types.js';

/**
 * Variance of the Laplacian (Pech-Pacheco et al. 2000; metrics.md §3.5) on luma resized so the shorter side is
 * `size` px: the value depends strongly on resolution, so a fixed analysis size makes clips of different
 * sizes comparable. A relative signal (baseline vs candidate); folk "blurry" thresholds are ~100.
 */
const paramsSchema = z
  .object({ size: z.number().int().min(16).max(4096).default(256).describe('shorter side of the analysis') })
  .strict();
export type SharpnessParams = z.output<typeof paramsSchema>;

export const sharpness: MetricDefinition<SharpnessParams> = {
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
  create: (params) =>
    new PerFrameMean((f) => {
      const t = sizeWithMinSide(f.width, f.height, params.size);
      return laplacianVariance(
        resizeBilinear(f.luma, f.width, f.height, t.width, t.height),
        t.width,
        t.height,
      );
    }),
};
