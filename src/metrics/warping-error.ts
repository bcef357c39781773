import { TemporalCIError } from '../errors.js';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { rgbToLuma } from '../video/frame-view.js';
import { derivedOf, type FrameDerived } from './frame-derived.js';
import {
  buildLumaPyramid,
  estimateForwardMotion,
  type LumaPyramid,
  type MotionField,
} from './kernels/block-match.js';
import { resizeRgbBilinear, sizeWithMinSide } from './kernels/image.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';
import { type WarpingErrorParams, warpingErrorMeta } from './warping-error.meta.js';

/**
 * Warping error of Lai et al. 2018 (metrics.md §3.7) with a weight-free flow instead of FlowNet2:
 * per consecutive pair, V_{t+1} is warped back to t with the forward flow F, pixels failing Lai's
 * forward–backward check |F + B(x+F)|² > 0.01(|F|² + |B(x+F)|²) + 0.5 or motion-boundary check
 * |∇F_u|² + |∇F_v|² > 0.01|F|² + 0.002 are masked out (as are pixels warped from outside the frame), and
 * E_t = Σ M·(Ŵ_t − V_t)² / Σ M over pixels and rgb channels in [0, 1] (0 when everything is masked, as
 * Lai's fallback denominator gives). The clip value is mean_t E_t.
 *
 * The flow is a proxy: one-sided coarse-to-fine block matching (kernels/block-match.ts, 8×8 blocks, whole
 * pixels, up to 22 px/frame at the working size), both directions, computed on the video itself (Lai used
 * the input video; EvalCrafter, like this, the generated one). Block-constant flow makes block edges with
 * differing vectors motion boundaries, so they are masked; sub-pixel motion is rounded to whole pixels and
 * leaves a small residual. Frames are measured at a shorter side of `side` px (EvalCrafter halves them).
 */

interface Prepared {
  rgb: Uint8Array;
  pyramid: LumaPyramid;
  width: number;
  height: number;
}

/** Flow of pixel (x, y) from a block field: the vector of the block it lies in. */
function blockIndex(f: MotionField, x: number, y: number): number {
  return ((y / f.blockSize) | 0) * f.blocksX + ((x / f.blockSize) | 0);
}

/** E_t and the masked share for one pair (a = V_t, b = V_{t+1}). */
function pairWarpingError(a: Prepared, b: Prepared): { error: number; masked: number } {
  const { width: w, height: h } = a;
  const F = estimateForwardMotion(a.pyramid, b.pyramid);
  const B = estimateForwardMotion(b.pyramid, a.pyramid);
  let sum = 0;
  let valid = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const fi = blockIndex(F, x, y);
      const fu = F.dx[fi]!;
      const fv = F.dy[fi]!;
      const tx = x + fu;
      const ty = y + fv;
      if (tx < 0 || ty < 0 || tx >= w || ty >= h) continue;
      const bi = blockIndex(B, tx, ty);
      const bu = B.dx[bi]!;
      const bv = B.dy[bi]!;
      const fb = (fu + bu) ** 2 + (fv + bv) ** 2;
      if (fb > 0.01 * (fu * fu + fv * fv + bu * bu + bv * bv) + 0.5) continue;
      // Forward differences of the flow (0 at the last row/column).
      const ri = x + 1 < w ? blockIndex(F, x + 1, y) : fi;
      const di = y + 1 < h ? blockIndex(F, x, y + 1) : fi;
      const grad =
        (F.dx[ri]! - fu) ** 2 + (F.dx[di]! - fu) ** 2 + (F.dy[ri]! - fv) ** 2 + (F.dy[di]! - fv) ** 2;
      if (grad > 0.01 * (fu * fu + fv * fv) + 0.002) continue;
      const p = 3 * (y * w + x);
      const q = 3 * (ty * w + tx);
      for (let c = 0; c < 3; c++) {
        const d = (b.rgb[q + c]! - a.rgb[p + c]!) / 255;
        sum += d * d;
      }
      valid++;
    }
  }
  return { error: valid === 0 ? 0 : sum / (3 * valid), masked: 1 - valid / (w * h) };
}

class WarpingErrorAccumulator implements MetricAccumulator {
  private prev: Prepared | undefined;
  private size: { width: number; height: number } | undefined;
  private sum = 0;
  private max = 0;
  private maskedSum = 0;
  private pairs = 0;

  constructor(
    private readonly side: number,
    private readonly sampleId: string,
    private readonly derived: FrameDerived,
  ) {}

  push(frame: FrameView): void {
    if (this.size === undefined) this.size = { width: frame.width, height: frame.height };
    else if (frame.width !== this.size.width || frame.height !== this.size.height) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `warping_error: sample ${this.sampleId} frame ${frame.index} is ${frame.width}x${frame.height}, ` +
          `earlier frames were ${this.size.width}x${this.size.height}`,
        { hint: 'the decoder must deliver every frame of a sample at one size' },
      );
    }
    const t =
      Math.min(frame.width, frame.height) > this.side
        ? sizeWithMinSide(frame.width, frame.height, this.side)
        : { width: frame.width, height: frame.height };
    const rgb = resizeRgbBilinear(frame.rgb, frame.width, frame.height, t.width, t.height);
    // At the frame's own size the pyramid is the full-resolution one motion_smoothness builds too: shared.
    const pyramid =
      rgb === frame.rgb
        ? this.derived.pyramid(frame)
        : buildLumaPyramid(rgbToLuma(rgb, t.width * t.height), t.width, t.height);
    const cur: Prepared = { rgb, pyramid, ...t };
    if (this.prev !== undefined) {
      const { error, masked } = pairWarpingError(this.prev, cur);
      this.sum += error;
      this.max = Math.max(this.max, error);
      this.maskedSum += masked;
      this.pairs++;
    }
    this.prev = cur;
  }

  finish(): MetricValues {
    if (this.pairs === 0) return { mean: null, max: null, masked: null };
    return { mean: this.sum / this.pairs, max: this.max, masked: this.maskedSum / this.pairs };
  }
}

export const warpingError: MetricDefinition<WarpingErrorParams> = {
  ...warpingErrorMeta,
  create: (params, ctx) => new WarpingErrorAccumulator(params.side, ctx.sampleId, derivedOf(ctx.derived)),
};
