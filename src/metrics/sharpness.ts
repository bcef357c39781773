import { laplacianVariance, resizeBilinear, sizeWithMinSide } from './kernels/image.js';
import { PerFrameMean } from './per-frame.js';
import { type SharpnessParams, sharpnessMeta } from './sharpness.meta.js';
import type { MetricDefinition } from './types.js';

/**
 * Variance of the Laplacian (Pech-Pacheco et al. 2000; metrics.md §3.5) on luma resized so the shorter side is
 * `size` px: the value depends strongly on resolution, so a fixed analysis size makes clips of different
 * sizes comparable. A relative signal (baseline vs candidate); folk "blurry" thresholds are ~100.
 */

export const sharpness: MetricDefinition<SharpnessParams> = {
  ...sharpnessMeta,
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
