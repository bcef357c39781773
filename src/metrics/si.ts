import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { FrameSizeGuard } from './ffmpeg-shared.js';
import { SiTi } from './kernels/ffmpeg/siti.js';
import { type SiParams, siMeta } from './si.meta.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * Spatial information, ffmpeg's `siti` filter (exact port, metrics.md §4.5; ITU-T P.910): population std of
 * the Sobel magnitude over the frame interior, per frame. Our luma is full-range BT.601, so the filter's
 * limited→full conversion does not apply: these are the numbers ffmpeg prints for a yuvj420p input with that
 * luma. `mean` and `max` are the filter's print_summary Average and Max (float32 sums, as it keeps them).
 */

/** Shared by `si` and `ti`: one siti state per sample, reporting one of its two summaries. */
export class SiTiAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private state: SiTi | undefined;

  constructor(
    private readonly which: 'si' | 'ti',
    sampleId: string,
  ) {
    this.guard = new FrameSizeGuard(which, sampleId);
  }

  push(frame: FrameView): void {
    if (this.guard.check(frame)) this.state = new SiTi(frame.width, frame.height, 'full', this.which);
    this.state?.push(frame.luma);
  }

  finish(): MetricValues {
    if (this.state === undefined || this.state.count === 0) return { mean: null, max: null };
    const s = this.state.summary()[this.which];
    return { mean: s.average, max: s.max };
  }
}

export const si: MetricDefinition<SiParams> = {
  ...siMeta,
  create: (_params, ctx) => new SiTiAccumulator('si', ctx.sampleId),
};
