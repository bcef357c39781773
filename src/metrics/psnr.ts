import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { checkReferenceSize, FrameSizeGuard, requireReference } from './ffmpeg-shared.js';
import { planePairs } from './kernels/ffmpeg/frame-planes.js';
import { PsnrClip, psnrFrame, psnrFromMse } from './kernels/ffmpeg/psnr.js';
import { type PsnrParams, psnrMeta } from './psnr.meta.js';
import type { MetricAccumulator, MetricDefinition, ReferenceFrames } from './types.js';

/**
 * ffmpeg's `psnr` filter (exact port, metrics.md §4.4) on the planes as the file stores them, so
 * `mode: reference` gives what `ffmpeg -i out.mp4 -i truth.mp4 -lavfi psnr` prints: `mean` is its `y:`
 * (10·log10(255²/mean luma MSE): the filter averages MSE over frames, not per-frame PSNR), `u`/`v` its
 * `u:`/`v:` (null for gray), `average` its `average:` (from the area-weighted frame MSE) and `average_min`
 * its `min:` (the worst frame). `min` and `mse_mean` are the luma's worst frame and mean MSE.
 * Identical frames have infinite PSNR (ffmpeg prints inf); JSON cannot hold Infinity, so values are capped
 * at `max_db` (default 100 dB) and `mse_mean` is reported alongside, uncapped.
 * With `mode: reference` each scored frame is compared with its held-out truth instead of its predecessor.
 * Frames built from rgb24 alone carry their BT.601 luma as one gray plane (then average = y).
 */

class PsnrAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  /** Per plane (Y, U, V) and for the area-weighted frame MSE, the filter's clip sums. */
  private readonly planes = [new PsnrClip(), new PsnrClip(), new PsnrClip()];
  private readonly average = new PsnrClip();
  private planeCount = 0;
  private prev: FrameView | undefined;

  constructor(
    private readonly maxDb: number,
    sampleId: string,
    private readonly reference: ReferenceFrames | undefined,
  ) {
    this.guard = new FrameSizeGuard('psnr', sampleId);
  }

  push(frame: FrameView): void {
    this.guard.check(frame);
    const other = this.reference === undefined ? this.prev : this.reference.frameAt(frame.index);
    if (other !== undefined) {
      if (this.reference !== undefined) checkReferenceSize('psnr', frame, other);
      const r = psnrFrame(planePairs('psnr', frame, other));
      this.planeCount = r.mse.length;
      for (const [k, m] of r.mse.entries()) this.planes[k]!.push(m);
      this.average.push(r.mseAvg);
      this.reference?.record('psnr', frame.index, Math.min(psnrFromMse(r.mse[0]!), this.maxDb));
      this.reference?.record('psnr.average', frame.index, Math.min(r.psnrAvg, this.maxDb));
    }
    this.prev = frame;
  }

  finish(): MetricValues {
    const y = this.planes[0]!;
    if (y.count === 0) {
      return { mean: null, min: null, mse_mean: null, u: null, v: null, average: null, average_min: null };
    }
    const cap = (db: number): number => Math.min(db, this.maxDb);
    const chroma = (k: number): number | null =>
      this.planeCount > k ? cap(this.planes[k]!.average()) : null;
    return {
      mean: cap(y.average()),
      min: cap(y.min()),
      mse_mean: y.meanMse(),
      u: chroma(1),
      v: chroma(2),
      average: cap(this.average.average()),
      average_min: cap(this.average.min()),
    };
  }
}

export const psnr: MetricDefinition<PsnrParams> = {
  ...psnrMeta,
  create: (params, ctx) =>
    new PsnrAccumulator(
      params.max_db,
      ctx.sampleId,
      params.mode === 'reference' ? requireReference('psnr', ctx.reference) : undefined,
    ),
};
