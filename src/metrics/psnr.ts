import { z } from 'zod';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { checkReferenceSize, FrameSizeGuard, PAIR_MODES, requireReference } from './ffmpeg-shared.js';
import { PsnrClip, planeSse, psnrFromMse } from './kernels/ffmpeg/psnr.js';
import type { MetricAccumulator, MetricDefinition, ReferenceFrames } from './types.js';

/**
 * ffmpeg's `psnr` filter (exact port, metrics.md §4.4) on BT.601 luma, between consecutive frames.
 * `mean` is the filter's clip `average`: 10·log10(255²/mean MSE), not the mean of per-pair PSNR.
 * Identical frames have infinite PSNR (ffmpeg prints inf); JSON cannot hold Infinity, so values are capped
 * at `max_db` (default 100 dB) and `mse_mean` is reported alongside, uncapped.
 * With `mode: reference` each scored frame is compared with its held-out truth instead of its predecessor.
 */

const paramsSchema = z
  .object({
    mode: z.enum(PAIR_MODES).default('consecutive'),
    max_db: z.number().positive().max(1000).default(100),
  })
  .strict();

export type PsnrParams = z.output<typeof paramsSchema>;

class PsnrAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private readonly clip = new PsnrClip();
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
      const pixels = frame.width * frame.height;
      const mse = planeSse(frame.luma, other.luma, frame.width, frame.height) / pixels;
      this.clip.push(mse);
      this.reference?.record('psnr', frame.index, Math.min(psnrFromMse(mse), this.maxDb));
    }
    this.prev = frame;
  }

  finish(): MetricValues {
    if (this.clip.count === 0) return { mean: null, min: null, mse_mean: null };
    return {
      mean: Math.min(this.clip.average(), this.maxDb),
      min: Math.min(this.clip.min(), this.maxDb),
      mse_mean: this.clip.meanMse(),
    };
  }
}

export const psnr: MetricDefinition<PsnrParams> = {
  name: 'psnr',
  description:
    'ffmpeg psnr filter (exact port: integer SSE, 10*log10(255^2/MSE)) on luma between consecutive frames ' +
    '(mode: reference = against the held-out truth); ' +
    'mean = 10*log10(255^2/mean MSE) as ffmpeg averages, min = worst pair, dB capped at max_db (identical = ' +
    'inf in ffmpeg), higher = more similar; mse_mean lower = more similar',
  params: paramsSchema,
  paths: () => ['mean', 'min', 'mse_mean'],
  higherIsBetter: (path) => {
    if (path === 'mean' || path === 'min') return true;
    return path === 'mse_mean' ? false : undefined;
  },
  readsPixels: true,
  create: (params, ctx) =>
    new PsnrAccumulator(
      params.max_db,
      ctx.sampleId,
      params.mode === 'reference' ? requireReference('psnr', ctx.reference) : undefined,
    ),
};
