import { z } from 'zod';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { buildLumaPyramid, estimateBilateralMotion } from './kernels/block-match.js';
import { resizeBilinear, sizeWithMinSide } from './kernels/image.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * VBench's dynamic-degree rule (metrics.md §3.3) with a weight-free flow: frames sampled at ~8 fps
 * (step = max(1, round(fps/8))), resized to a shorter side of 256 so the threshold is a constant 6 px; per
 * pair r = mean of the top 5 % flow magnitudes; dynamic when #{r > 6} ≥ round(4·N/16), N = sampled frames.
 * The flow is not RAFT: it is the coarse-to-fine bilateral block matcher of kernels/block-match.ts run on the
 * consecutive pair (d with I0(x−d) ≈ I1(x+d), so the flow is 2d: 8×8-block vectors at 2 px resolution, up to
 * ~44 px/frame). The top-5 % statistic is taken over blocks instead of pixels.
 */
const paramsSchema = z.object({}).strict();
export type DynamicDegreeParams = z.output<typeof paramsSchema>;

const SIDE = 256;
const THRESHOLD_PX = 6;

/** Mean of the top 5 % (at least one) of the block flow magnitudes between two luma planes. */
function topFlowMagnitude(a: Uint8Array, b: Uint8Array, w: number, h: number): number {
  const field = estimateBilateralMotion(buildLumaPyramid(a, w, h), buildLumaPyramid(b, w, h));
  const mags = new Float64Array(field.dx.length);
  for (let i = 0; i < mags.length; i++) mags[i] = 2 * Math.hypot(field.dx[i]!, field.dy[i]!);
  mags.sort();
  const k = Math.max(1, Math.round(mags.length * 0.05));
  let s = 0;
  for (let i = mags.length - k; i < mags.length; i++) s += mags[i]!;
  return s / k;
}

class DynamicDegreeAccumulator implements MetricAccumulator {
  private prev: Uint8Array | undefined;
  private sampled = 0;
  private over = 0;
  private maxR = 0;

  constructor(private readonly step: number) {}

  push(frame: FrameView): void {
    if (frame.index % this.step !== 0) return;
    const t = sizeWithMinSide(frame.width, frame.height, SIDE);
    const y = resizeBilinear(frame.luma, frame.width, frame.height, t.width, t.height);
    if (this.prev !== undefined) {
      const r = topFlowMagnitude(this.prev, y, t.width, t.height);
      if (r > THRESHOLD_PX) this.over++;
      this.maxR = Math.max(this.maxR, r);
    }
    this.prev = y;
    this.sampled++;
  }

  finish(): MetricValues {
    if (this.sampled < 2) return { dynamic: null, moving_pairs: null, top_flow_max: null };
    const need = Math.round((4 * this.sampled) / 16);
    return { dynamic: this.over >= need ? 1 : 0, moving_pairs: this.over, top_flow_max: this.maxR };
  }
}

export const dynamicDegree: MetricDefinition<DynamicDegreeParams> = {
  name: 'dynamic_degree',
  description:
    "weight-free stand-in for VBench's dynamic_degree (VBench uses RAFT; never compare with published VBench " +
    "numbers): VBench's rule (8 fps sampling, min side 256, top-5% flow > 6 px in >= round(4N/16) pairs) on a " +
    'weight-free flow; dynamic 1/0 (mean over samples = share of dynamic videos), moving pairs, largest ' +
    'top-5% flow; neither direction is better',
  params: paramsSchema,
  paths: () => ['dynamic', 'moving_pairs', 'top_flow_max'],
  higherIsBetter: () => undefined,
  readsPixels: true,
  create: (_params, ctx) => new DynamicDegreeAccumulator(Math.max(1, Math.round(ctx.video.fps / 8))),
};
