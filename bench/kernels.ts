/**
 * Micro-benchmarks of the hot metric kernels on one 512×512 frame pair, in ms per call (median of repeats
 * after a warm-up): the bilateral block search that dominates motion_smoothness, and the byte-wise SAD of
 * temporal_flicker. Two contents: a smooth band-limited texture panning 3 px (early exits prune most
 * candidates) and the same with N(0, 8) noise per frame (few exits: the worst case, like a noisy model).
 *
 *   npx tsx bench/kernels.ts
 */
import { fileURLToPath } from 'node:url';
import { buildLumaPyramid, estimateBilateralMotion } from '../src/metrics/kernels/block-match.js';
import { sumAbsDiff } from '../src/metrics/kernels/mad.js';
import { bandLimitedTexture, mulberry32, shiftedFrame } from '../test/support/synthetic.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const SIDE = 512;

function medianMs(fn: () => void, repeats: number): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

function addNoise(bytes: Uint8Array, seed: number, sigma: number): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    // Sum of 4 uniforms: close enough to Gaussian for a worst-case texture.
    const g = (r() + r() + r() + r() - 2) * Math.sqrt(3) * sigma;
    out[i] = Math.max(0, Math.min(255, Math.round(bytes[i]! + g)));
  }
  return out;
}

export async function benchKernels(): Promise<BenchResult[]> {
  const tex = bandLimitedTexture({ width: SIDE, height: SIDE, seed: 3 });
  const f0 = shiftedFrame(tex, 0, 0, 0);
  const f2 = shiftedFrame(tex, 2, 6, 3);
  const contents = [
    { name: 'smooth pan', a: f0.luma, b: f2.luma, rgbA: f0.rgb, rgbB: f2.rgb },
    {
      name: 'noisy pan',
      a: addNoise(f0.luma, 1, 8),
      b: addNoise(f2.luma, 2, 8),
      rgbA: addNoise(f0.rgb, 3, 8),
      rgbB: addNoise(f2.rgb, 4, 8),
    },
  ];
  const rows: BenchResult[] = [];
  for (const c of contents) {
    const p0 = buildLumaPyramid(c.a, SIDE, SIDE);
    const p2 = buildLumaPyramid(c.b, SIDE, SIDE);
    const search = medianMs(() => estimateBilateralMotion(p0, p2), 15);
    rows.push({
      name: `block search, ${c.name}`,
      value: search,
      unit: 'ms/pair',
      note: `${SIDE}x${SIDE} luma, 3 levels`,
    });
    const sad = medianMs(() => sumAbsDiff(c.rgbA, c.rgbB), 31);
    rows.push({
      name: `sumAbsDiff rgb24, ${c.name}`,
      value: sad,
      unit: 'ms/pair',
      note: `${SIDE * SIDE * 3} bytes`,
    });
  }
  return rows;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('kernels', await benchKernels());
}
