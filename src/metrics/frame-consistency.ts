import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { FrameSizeGuard, finiteOrNull } from './ffmpeg-shared.js';
import { type FrameConsistencyParams, frameConsistencyMeta } from './frame-consistency.meta.js';
import { SsimScratch, ssimPlane } from './kernels/ffmpeg/ssim.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * Frame consistency from SSIM (the ffmpeg-exact kernel on luma): `consecutive` = mean SSIM(t, t−1), local
 * stability; `first_frame` = mean SSIM(t, 0), drift from the opening frame (a subject or scene that slowly
 * morphs keeps consecutive SSIM high while first-frame SSIM falls). Weight-free, so not VBench's
 * subject/background consistency (those use DINO/CLIP features).
 */

class FrameConsistencyAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private readonly scratch = new SsimScratch();
  private first: Uint8Array | undefined;
  private prev: Uint8Array | undefined;
  private cons = 0;
  private drift = 0;
  private pairs = 0;

  constructor(sampleId: string) {
    this.guard = new FrameSizeGuard('frame_consistency', sampleId);
  }

  push(frame: FrameView): void {
    this.guard.check(frame);
    const y = frame.luma;
    const { width: w, height: h } = frame;
    if (this.prev !== undefined && this.first !== undefined) {
      this.cons += ssimPlane(y, this.prev, w, h, w, this.scratch);
      this.drift += ssimPlane(y, this.first, w, h, w, this.scratch);
      this.pairs++;
    }
    this.first ??= y;
    this.prev = y;
  }

  finish(): MetricValues {
    if (this.pairs === 0) return { consecutive: null, first_frame: null };
    return {
      consecutive: finiteOrNull(this.cons / this.pairs),
      first_frame: finiteOrNull(this.drift / this.pairs),
    };
  }
}

export const frameConsistency: MetricDefinition<FrameConsistencyParams> = {
  ...frameConsistencyMeta,
  create: (_params, ctx) => new FrameConsistencyAccumulator(ctx.sampleId),
};
