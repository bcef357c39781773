import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { checkReferenceSize, FrameSizeGuard, finiteOrNull, requireReference } from './ffmpeg-shared.js';
import { planePairs } from './kernels/ffmpeg/frame-planes.js';
import { SsimScratch, ssimFrame } from './kernels/ffmpeg/ssim.js';
import { type SsimParams, ssimMeta } from './ssim.meta.js';
import type { MetricAccumulator, MetricDefinition, ReferenceFrames } from './types.js';

/**
 * ffmpeg's `ssim` filter (exact port, metrics.md §4.3) on the planes as the file stores them (Y, U, V of
 * yuv420p…), so `mode: reference` gives what `ffmpeg -i out.mp4 -i truth.mp4 -lavfi ssim` prints: `mean` is
 * its `Y:` (the luma SSIM every `ssim.mean` gate has meant), `all` its `All:` (planes weighted by area:
 * 4/6, 1/6, 1/6 for 4:2:0), `u`/`v` its `U:`/`V:` (null for gray). Frames built from rgb24 alone carry their
 * BT.601 luma as one gray plane.
 * Between consecutive frames (the default), SSIM falls with motion on textured content (0.92 at 1 px/frame,
 * 0.25 at 4 px/frame) and barely sees global brightness flicker (0.998 for ±4 levels), so it detects
 * frozen/duplicate frames (≈ 1) and cuts (very low), not flicker (§3.2).
 * With `mode: reference` it is the full-reference SSIM of each scored frame against its held-out truth
 * (interpolation/upscale tests, `measure --reference`), the standard VFI/SR quality figure.
 */

/** Sum and minimum of one per-pair series; any NaN (a plane under 8 px: no window) makes it undefined. */
class Series {
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  n = 0;
  undefinedPairs = 0;

  push(v: number): void {
    if (Number.isNaN(v)) {
      this.undefinedPairs++;
      return;
    }
    this.sum += v;
    if (v < this.min) this.min = v;
    this.n++;
  }

  mean(): number | null {
    return this.n === 0 || this.undefinedPairs > 0 ? null : finiteOrNull(this.sum / this.n);
  }

  minimum(): number | null {
    return this.n === 0 || this.undefinedPairs > 0 ? null : this.min;
  }
}

class SsimAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private readonly scratch = new SsimScratch();
  private prev: FrameView | undefined;
  private readonly planes = [new Series(), new Series(), new Series()];
  private readonly all = new Series();
  private planeCount = 0;

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
      const r = ssimFrame(planePairs('ssim', frame, other), this.scratch);
      this.planeCount = r.planes.length;
      for (const [k, v] of r.planes.entries()) this.planes[k]!.push(v);
      this.all.push(r.all);
      this.reference?.record('ssim', frame.index, r.planes[0]!);
      this.reference?.record('ssim.all', frame.index, r.all);
    }
    this.prev = frame;
  }

  finish(): MetricValues {
    // Frames under 8 px in a direction have no SSIM window: no value rather than a made-up one.
    const chroma = (k: number): number | null => (this.planeCount > k ? this.planes[k]!.mean() : null);
    return {
      mean: this.planes[0]!.mean(),
      min: this.planes[0]!.minimum(),
      u: chroma(1),
      v: chroma(2),
      all: this.all.mean(),
      all_min: this.all.minimum(),
    };
  }
}

export const ssim: MetricDefinition<SsimParams> = {
  ...ssimMeta,
  create: (params, ctx) =>
    new SsimAccumulator(
      ctx.sampleId,
      params.mode === 'reference' ? requireReference('ssim', ctx.reference) : undefined,
    ),
};
