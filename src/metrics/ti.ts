import { z } from 'zod';
import { SiTiAccumulator } from './si.js';
import type { MetricDefinition } from './types.js';

/**
 * Temporal information, ffmpeg's `siti` filter (exact port, metrics.md §4.5; ITU-T P.910): population std of
 * Y_t − Y_{t−1} over the frame, 0 for the first frame. `mean` is the filter's summary Average, which counts
 * that first 0; `max` its Max. Full-range luma, as for `si`.
 */

const paramsSchema = z.object({}).strict();

export type TiParams = z.output<typeof paramsSchema>;

export const ti: MetricDefinition<TiParams> = {
  name: 'ti',
  description:
    'temporal information, ffmpeg siti filter (exact port, ITU-T P.910): std of the luma difference of ' +
    'consecutive frames (frame 0 = 0); mean (incl. frame 0, as ffmpeg) and max; 0 = static, grows with ' +
    'motion, flicker and cuts; neither direction is better',
  params: paramsSchema,
  paths: () => ['mean', 'max'],
  higherIsBetter: () => undefined,
  readsPixels: true,
  create: (_params, ctx) => new SiTiAccumulator('ti', ctx.sampleId),
};
