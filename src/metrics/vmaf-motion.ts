import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { FrameSizeGuard } from './ffmpeg-shared.js';
import { VmafMotion } from './kernels/ffmpeg/vmaf-motion.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';
import { type VmafMotionParams, vmafMotionMeta } from './vmaf-motion.meta.js';

/**
 * ffmpeg's `vmafmotion` filter (exact port, metrics.md §4.5) on BT.601 luma: mean absolute difference of
 * 5-tap-blurred consecutive frames, in 8-bit levels. `mean` is the filter's "VMAF Motion avg", which counts
 * frame 0 as 0; `max` is the largest per-frame score. Real videos score 0 to ~40.
 */

class VmafMotionAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private state: VmafMotion | undefined;
  private max = 0;

  constructor(sampleId: string) {
    this.guard = new FrameSizeGuard('vmaf_motion', sampleId);
  }

  push(frame: FrameView): void {
    if (this.guard.check(frame)) this.state = new VmafMotion(frame.width, frame.height);
    const score = this.state?.push(frame.luma) ?? 0;
    if (score > this.max) this.max = score;
  }

  finish(): MetricValues {
    if (this.state === undefined || this.state.count === 0) return { mean: null, max: null };
    return { mean: this.state.average(), max: this.max };
  }
}

export const vmafMotion: MetricDefinition<VmafMotionParams> = {
  ...vmafMotionMeta,
  create: (_params, ctx) => new VmafMotionAccumulator(ctx.sampleId),
};
