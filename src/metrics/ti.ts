import { SiTiAccumulator } from './si.js';
import { type TiParams, tiMeta } from './ti.meta.js';
import type { MetricDefinition } from './types.js';

/**
 * Temporal information, ffmpeg's `siti` filter (exact port, metrics.md §4.5; ITU-T P.910): population std of
 * Y_t − Y_{t−1} over the frame, 0 for the first frame. `mean` is the filter's summary Average, which counts
 * that first 0; `max` its Max. Full-range luma, as for `si`.
 */

export const ti: MetricDefinition<TiParams> = {
  ...tiMeta,
  create: (_params, ctx) => new SiTiAccumulator('ti', ctx.sampleId),
};
