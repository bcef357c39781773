import type { FrameView } from '../video/frame-view.js';
import { type ColorfulnessParams, colorfulnessMeta } from './colorfulness.meta.js';
import { PerFrameMean } from './per-frame.js';
import type { MetricDefinition } from './types.js';

/**
 * Hasler & Süsstrunk (2003) colourfulness, metric 3 (metrics.md §3.5): rg = R − G, yb = ½(R + G) − B,
 * M = sqrt(σ_rg² + σ_yb²) + 0.3·sqrt(μ_rg² + μ_yb²). Paper scale: 0 not colourful, ~33 moderately, ~59 quite,
 * ~109 extremely. Neither direction is better: a drop flags washed-out output, a jump oversaturation.
 */
function colorfulnessOf(f: FrameView): number {
  const rgb = f.rgb;
  const n = f.width * f.height;
  let srg = 0;
  let syb = 0;
  let srg2 = 0;
  let syb2 = 0;
  for (let j = 0; j < rgb.length; j += 3) {
    const r = rgb[j]!;
    const g = rgb[j + 1]!;
    const rg = r - g;
    const yb = 0.5 * (r + g) - rgb[j + 2]!;
    srg += rg;
    syb += yb;
    srg2 += rg * rg;
    syb2 += yb * yb;
  }
  const mrg = srg / n;
  const myb = syb / n;
  const varSum = Math.max(0, srg2 / n - mrg * mrg) + Math.max(0, syb2 / n - myb * myb);
  return Math.sqrt(varSum) + 0.3 * Math.sqrt(mrg * mrg + myb * myb);
}

export const colorfulness: MetricDefinition<ColorfulnessParams> = {
  ...colorfulnessMeta,
  create: () => new PerFrameMean(colorfulnessOf),
};
