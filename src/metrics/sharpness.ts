import { derivedOf } from './frame-derived.js';
import { laplacianVariance, sizeWithMinSide } from './kernels/image.js';
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
  create: (params, ctx) => {
    const derived = derivedOf(ctx.derived);
    return new PerFrameMean((f) => {
      const t = sizeWithMinSide(f.width, f.height, params.size);
      return laplacianVariance(derived.luma(f, t.width, t.height, 'bilinear'), t.width, t.height);
    });
  },
};
