import { z } from 'zod';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import {
  checkReferenceSize,
  FrameSizeGuard,
  finiteOrNull,
  PAIR_MODES,
  requireReference,
} from './ffmpeg-shared.js';
import { SsimScratch, ssimPlane } from './kernels/ffmpeg/ssim.js';
import type { MetricAccumulator, MetricDefinition, ReferenceFrames } from './types.js';

/**
 * ffmpeg's `ssim` filter (exact port, metrics.md §4.3) on BT.601 luma, between consecutive frames.
 * Frame-to-frame SSIM falls with motion on textured content (0.92 at 1 px/frame, 0.25 at 4 px/frame) and
 * barely sees global brightness flicker (0.998 for ±4 levels), so it detects frozen/duplicate frames
 * (≈ 1) and cuts (very low), not flicker (§3.2).
 * With `mode: reference` it is the full-reference SSIM of each scored frame against its held-out truth
 * (interpolation/upscale tests, `measure --reference`), the standard VFI/SR quality figure.
 */

const paramsSchema = z
  .object({
    mode: z.enum(PAIR_MODES).default('consecutive'),
  })
  .strict();

export type SsimParams = z.output<typeof paramsSchema>;

class SsimAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private readonly scratch = new SsimScratch();
  private prev: FrameView | undefined;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private pairs = 0;
  private undefinedPairs = 0;

  constructor(
    sampleId: string,
    private readonly reference: ReferenceFrames | undefined,
  ) {
    this.guard = new FrameSizeGuard('ssim', sampleId);
  }

  push(frame: FrameView): void {
    this.guard.check(frame);
    const other = this.reference === undefined ? this.prev : this.reference.frameAt(frame.index);
    if (other !== undefined) {
      if (this.reference !== undefined) checkReferenceSize('ssim', frame, other);
      const v = ssimPlane(frame.luma, other.luma, frame.width, frame.height, frame.width, this.scratch);
      this.reference?.record('ssim', frame.index, v);
      if (Number.isNaN(v)) this.undefinedPairs++;
      else {
        this.sum += v;
        if (v < this.min) this.min = v;
        this.pairs++;
      }
    }
    this.prev = frame;
  }

  finish(): MetricValues {
    // Frames under 8 px in a direction have no SSIM window: no value rather than a made-up one.
    if (this.pairs === 0 || this.undefinedPairs > 0) return { mean: null, min: null };
    return { mean: finiteOrNull(this.sum / this.pairs), min: this.min };
  }
}

export const ssim: MetricDefinition<SsimParams> = {
  name: 'ssim',
  description:
    'ffmpeg ssim filter (exact port: x264 8x8 windows at stride 4, C1=416, C2=235963, float32) on luma ' +
    'between consecutive frames (mode: reference = against the held-out truth); mean and min over pairs in [0, 1] (may dip below 0), higher = more ' +
    'similar; ~1 flags frozen/duplicate frames, very low flags cuts; not a flicker detector',
  params: paramsSchema,
  paths: () => ['mean', 'min'],
  higherIsBetter: (path) => (path === 'mean' || path === 'min' ? true : undefined),
  readsPixels: true,
  create: (params, ctx) =>
    new SsimAccumulator(
      ctx.sampleId,
      params.mode === 'reference' ? requireReference('ssim', ctx.reference) : undefined,
    ),
};
