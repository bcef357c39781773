import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { type ExposureParams, exposureMeta } from './exposure.meta.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * Share of clipped pixels: luma at or above `highlight` (blown out) and at or below `shadow` (crushed),
 * averaged over frames. Lower is better for both; the worst frame is reported as well.
 */

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
  ...exposureMeta,
  create: (params) => new ExposureAccumulator(params),
};
