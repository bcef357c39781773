import { z } from 'zod';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * Share of clipped pixels: luma at or above `highlight` (blown out) and at or below `shadow` (crushed),
 * averaged over frames. Lower is better for both; the worst frame is reported as well.
 */
const paramsSchema = z
  .object({
    highlight: z.number().int().min(128).max(255).default(250).describe('luma >= this counts as clipped'),
    shadow: z.number().int().min(0).max(127).default(5).describe('luma <= this counts as crushed'),
  })
  .strict();
export type ExposureParams = z.output<typeof paramsSchema>;

class ExposureAccumulator implements MetricAccumulator {
  private hi = 0;
  private lo = 0;
  private worstHi = 0;
  private worstLo = 0;
  private frames = 0;

  constructor(private readonly p: ExposureParams) {}

  push(frame: FrameView): void {
    const y = frame.luma;
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (v >= this.p.highlight) hi++;
      else if (v <= this.p.shadow) lo++;
    }
    this.hi += hi / y.length;
    this.lo += lo / y.length;
    this.worstHi = Math.max(this.worstHi, hi / y.length);
    this.worstLo = Math.max(this.worstLo, lo / y.length);
    this.frames++;
  }

  finish(): MetricValues {
    if (this.frames === 0)
      return { highlights: null, shadows: null, highlights_max: null, shadows_max: null };
    return {
      highlights: this.hi / this.frames,
      shadows: this.lo / this.frames,
      highlights_max: this.worstHi,
      shadows_max: this.worstLo,
    };
  }
}

export const exposure: MetricDefinition<ExposureParams> = {
  name: 'exposure',
  description:
    'share of clipped luma: highlights (>= 250) and shadows (<= 5), mean over frames and worst frame (_max); ' +
    'in [0, 1], lower = better exposed',
  params: paramsSchema,
  paths: () => ['highlights', 'shadows', 'highlights_max', 'shadows_max'],
  higherIsBetter: (p) =>
    ['highlights', 'shadows', 'highlights_max', 'shadows_max'].includes(p) ? false : undefined,
  readsPixels: true,
  create: (params) => new ExposureAccumulator(params),
};
