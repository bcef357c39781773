import type { MetricValues } from '../schema/values.js';
import { decodeFrameViews } from '../video/decode.js';
import type { FrameView } from '../video/frame-view.js';
import { blockMeanColors, meanBlockDeltaE } from './kernels/color.js';
import { planeSse, psnrFromMse } from './kernels/ffmpeg/psnr.js';
import { SsimScratch, ssimPlane } from './kernels/ffmpeg/ssim.js';
import type { FinalizeContext, FinalizeSample, MetricDefinition } from './types.js';
import { type Params, vsBaselineMetricMeta } from './vs-baseline.meta.js';

/**
 * Baseline-paired video metrics: the candidate video of a sample against the baseline run's video of the
 * same sample_id (same model, test, prompt, seed and video settings), frame by frame. A deterministic model
 * that changed shows it here directly, whatever the content; and a colour shift — which no no-reference
 * metric has a direction for — becomes a distance that only grows.
 *
 * - `ssim`: ffmpeg's SSIM on luma between frame t of both videos, mean over frames (1 = identical).
 * - `psnr`: ffmpeg's PSNR on luma, averaged over the clip's MSE as ffmpeg does (capped at `max_db`).
 * - `delta_e`: mean CIEDE2000 between the 8×8-tile mean colours of paired frames (grain cancels within a
 *   tile; a change of hue or tone does not). About 1 is a just-noticeable difference.
 * - `temporal_profile`: how differently the two videos move: Σ_t |e_t − e'_t| / Σ_t e'_t, where e_t is the
 *   mean absolute luma change from frame t−1 to t (0 = the same motion profile; dropped, held or frozen
 *   frames turn steps into zeros and jumps).
 * - `paired`: 1 when a baseline video was there to compare with, else 0 and the other values are null.
 */

function unpaired(): MetricValues {
  return { ssim: null, psnr: null, delta_e: null, temporal_profile: null, paired: 0 };
}

/** Both videos in lockstep, frame t with frame t, up to the shorter one. */
async function* zipFrames(a: string, b: string, signal: AbortSignal): AsyncGenerator<[FrameView, FrameView]> {
  const ia = decodeFrameViews(a, { signal });
  const ib = decodeFrameViews(b, { signal });
  try {
    while (true) {
      const [x, y] = await Promise.all([ia.next(), ib.next()]);
      if (x.done || y.done) return;
      yield [x.value, y.value];
    }
  } finally {
    await Promise.all([ia.return(undefined), ib.return(undefined)]);
  }
}

/** Mean of each tile×tile block of a plane (grain averages out; motion of anything larger than a tile does not). */
function tileMeans(plane: Uint8Array, width: number, height: number, tile: number): Float64Array {
  const bw = Math.ceil(width / tile);
  const bh = Math.ceil(height / tile);
  const sums = new Float64Array(bw * bh);
  const counts = new Uint32Array(bw * bh);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / tile) * bw;
    for (let x = 0; x < width; x++) {
      const t = row + Math.floor(x / tile);
      sums[t] = sums[t]! + plane[y * width + x]!;
      counts[t] = counts[t]! + 1;
    }
  }
  for (let t = 0; t < sums.length; t++) sums[t] = sums[t]! / counts[t]!;
  return sums;
}

function meanAbsDiffF(a: Float64Array, b: Float64Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i]! - b[i]!);
  return total / a.length;
}

/** The comparison of one candidate video with its baseline video. */
async function compareWithBaseline(
  candidate: string,
  baseline: string,
  p: Params,
  signal: AbortSignal,
): Promise<MetricValues> {
  const scratch = new SsimScratch();
  let frames = 0;
  let ssimSum = 0;
  let mseSum = 0;
  let deltaESum = 0;
  let motionBase = 0;
  let profileDiff = 0;
  let prev: [Float64Array, Float64Array] | null = null;
  for await (const pair of zipFrames(candidate, baseline, signal)) {
    const [c, b] = pair;
    if (c.width !== b.width || c.height !== b.height) {
      throw new Error(`vs_baseline: ${c.width}x${c.height} against a ${b.width}x${b.height} baseline video`);
    }
    const pixels = c.width * c.height;
    ssimSum += ssimPlane(c.luma, b.luma, c.width, c.height, c.width, scratch);
    mseSum += planeSse(c.luma, b.luma, c.width, c.height) / pixels;
    deltaESum += meanBlockDeltaE(
      blockMeanColors(c.rgb, c.width, c.height, p.tile),
      blockMeanColors(b.rgb, b.width, b.height, p.tile),
    );
    const tiles: [Float64Array, Float64Array] = [
      tileMeans(c.luma, c.width, c.height, p.tile),
      tileMeans(b.luma, b.width, b.height, p.tile),
    ];
    if (prev !== null) {
      const ec = meanAbsDiffF(prev[0], tiles[0]);
      const eb = meanAbsDiffF(prev[1], tiles[1]);
      motionBase += eb;
      profileDiff += Math.abs(ec - eb);
    }
    prev = tiles;
    frames++;
  }
  if (frames === 0) throw new Error('vs_baseline: a video has no frames');
  const mse = mseSum / frames;
  // A static baseline (no motion at all) still compares: the floor of half a level per frame pair keeps
  // the ratio finite and says "any motion where there was none" in the same units.
  const scale = Math.max(motionBase, 0.5 * Math.max(1, frames - 1));
  return {
    ssim: ssimSum / frames,
    psnr: mse === 0 ? p.max_db : Math.min(p.max_db, psnrFromMse(mse)),
    delta_e: deltaESum / frames,
    temporal_profile: profileDiff / scale,
    paired: 1,
  };
}

async function finalizeVsBaseline(
  samples: readonly FinalizeSample[],
  p: Params,
  ctx: FinalizeContext,
): Promise<Record<string, MetricValues>> {
  const out: Record<string, MetricValues> = {};
  for (const s of samples) {
    const base = ctx.baselineVideo === undefined ? null : await ctx.baselineVideo(s.sampleId);
    out[s.sampleId] =
      base === null ? unpaired() : await compareWithBaseline(s.videoPath, base, p, ctx.signal);
  }
  return out;
}

export const vsBaselineMetric: MetricDefinition<Params> = {
  ...vsBaselineMetricMeta,
  create: () => ({ push: () => undefined, finish: unpaired }),
  finalize: finalizeVsBaseline,
};
