import { colorfulness } from '../metrics/colorfulness.js';
import { PerFrameMean } from '../metrics/per-frame.js';
import { sharpness } from '../metrics/sharpness.js';
import type { MetricDefinition, SampleContext } from '../metrics/types.js';
import { decodeFrameViews } from '../video/decode.js';
import type { FrameView } from '../video/frame-view.js';

/**
 * Per-frame curves for the sample page. run.json keeps one value per sample and metric, not one per frame,
 * so the curves are measured here, on request, from the kept videos: the frame-wise metrics (sharpness,
 * colourfulness: the same code a run uses, with its default params, one frame at a time) of the candidate
 * and of the baseline, and the luma PSNR of each candidate frame against the baseline's same frame.
 */

/** Metrics whose value is a mean over frames scored one by one: their per-frame score is well defined. */
const FRAME_WISE: MetricDefinition<Record<string, unknown>>[] = [
  sharpness as unknown as MetricDefinition<Record<string, unknown>>,
  colorfulness as unknown as MetricDefinition<Record<string, unknown>>,
];

/** PSNR of identical frames is infinite; the curve caps it where 8-bit rounding noise already sits. */
const PSNR_CAP = 99;

export interface FrameSeries {
  /** Frames decoded from the candidate. */
  frames: number;
  series: { name: string; candidate: (number | null)[]; baseline: (number | null)[] | null }[];
  /** Luma PSNR (dB) of candidate frame i against baseline frame i; null without a baseline video or when
   * the sizes differ. */
  psnr: (number | null)[] | null;
}

/** A metric's score of one frame: a fresh accumulator fed that frame alone (its mean is the frame's value). */
function frameScore(def: MetricDefinition<Record<string, unknown>>, frame: FrameView): number | null {
  const ctx = {} as SampleContext; // the frame-wise metrics read no context
  const acc = def.create(def.params.parse({}) as Record<string, unknown>, ctx);
  if (!(acc instanceof PerFrameMean)) return null;
  acc.push(frame);
  const v = acc.finish().mean;
  return typeof v === 'number' ? v : null;
}

function lumaPsnr(a: FrameView, b: FrameView): number | null {
  if (a.width !== b.width || a.height !== b.height) return null;
  const la = a.luma;
  const lb = b.luma;
  let sum = 0;
  for (let i = 0; i < la.length; i++) {
    const d = la[i]! - lb[i]!;
    sum += d * d;
  }
  const mse = sum / la.length;
  return mse === 0 ? PSNR_CAP : Math.min(PSNR_CAP, 10 * Math.log10((255 * 255) / mse));
}

/** Decodes both videos in lockstep (one frame of each held at a time) and scores every frame. */
export async function frameSeries(
  candidatePath: string,
  baselinePath: string | null,
  signal?: AbortSignal,
): Promise<FrameSeries> {
  const cand = decodeFrameViews(candidatePath, { signal });
  const base = baselinePath === null ? null : decodeFrameViews(baselinePath, { signal });
  const series = FRAME_WISE.map((d) => ({
    name: d.name,
    candidate: [] as (number | null)[],
    baseline: base === null ? null : ([] as (number | null)[]),
  }));
  const psnr: (number | null)[] | null = base === null ? null : [];
  let frames = 0;
  let baseDone = base === null;
  try {
    for await (const c of cand) {
      frames++;
      const b = baseDone ? undefined : await base!.next();
      if (b?.done) baseDone = true;
      const bf = b && !b.done ? b.value : null;
      FRAME_WISE.forEach((def, i) => {
        series[i]!.candidate.push(frameScore(def, c));
        if (base !== null) series[i]!.baseline!.push(bf ? frameScore(def, bf) : null);
      });
      psnr?.push(bf ? lumaPsnr(c, bf) : null);
    }
    // Baseline frames past the candidate's end still belong on its curves.
    while (!baseDone) {
      const b = await base!.next();
      if (b.done) break;
      FRAME_WISE.forEach((def, i) => {
        series[i]!.baseline!.push(frameScore(def, b.value));
      });
    }
  } finally {
    await base?.return(undefined);
  }
  return { frames, series, psnr };
}
