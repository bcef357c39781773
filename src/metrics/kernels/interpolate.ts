/**
 * Frame interpolation for VBench-style motion smoothness (metrics.md §3.4): re-synthesise the middle frame
 * of a triple from its two neighbours and measure how far the real middle frame is from it.
 *
 * Two interpolators:
 * - `interpolateLinearBlend`: Î = round((I0 + I2)/2). Not motion compensated; kept because it is the
 *   naive baseline and its failure (it ranks a juddering pan above a smooth one) is a regression test.
 * - `interpolateBilateral`: bilateral (symmetric) block matching, the classic frame-rate up-conversion.
 *   For each block B of the missing frame choose d minimising Σ_B |I0(x − d) − I2(x + d)|, then
 *   Î(x) = ½[I0(x − d) + I2(x + d)]. Coordinates are clamped at the borders. The search runs on luma
 *   over a coarse-to-fine pyramid; the interpolation is done on rgb at full resolution.
 *
 * Complexity: the motion search (block-match.ts) costs about 10·W·H absolute differences with the defaults,
 * rendering 3·W·H averages; both allocate only per-frame buffers. A 512×512 triple took 7–15 ms of CPU
 * (static to 8 px/frame diagonal pan) on the development machine.
 */
import {
  type BlockMatchOptions,
  buildLumaPyramid,
  checkSameSize,
  estimateBilateralMotion,
  type LumaPyramid,
  type MotionField,
} from './block-match.js';
import { sumAbsDiff } from './mad.js';

export {
  type BlockMatchOptions,
  buildLumaPyramid,
  estimateBilateralMotion,
  type LumaPyramid,
} from './block-match.js';

/** What the interpolators read: FrameView satisfies this structurally. */
export interface InterpFrame {
  readonly width: number;
  readonly height: number;
  /** Packed rgb24, width·height·3 bytes. */
  readonly rgb: Uint8Array;
  /** Gray8 luma, width·height bytes. */
  readonly luma: Uint8Array;
}

/** Î(x) = round(½[I0(x − d) + I2(x + d)]) per rgb channel, d from the block of x, coordinates clamped. */
function renderBilateral(
  rgb0: Uint8Array,
  rgb2: Uint8Array,
  width: number,
  height: number,
  field: MotionField,
  out: Uint8Array = new Uint8Array(width * height * 3),
): Uint8Array {
  const n = width * height * 3;
  if (rgb0.length !== n || rgb2.length !== n || out.length !== n) {
    throw new RangeError('renderBilateral: buffer sizes do not match the frame size');
  }
  const bs = field.blockSize;
  const wm = width - 1;
  const hm = height - 1;
  for (let j = 0; j < field.blocksY; j++) {
    const y0 = j * bs;
    const y1 = Math.min(height, y0 + bs);
    for (let i = 0; i < field.blocksX; i++) {
      const x0 = i * bs;
      const x1 = Math.min(width, x0 + bs);
      const dx = field.dx[j * field.blocksX + i]!;
      const dy = field.dy[j * field.blocksX + i]!;
      for (let y = y0; y < y1; y++) {
        const ya = y - dy;
        const yb = y + dy;
        const ra = Math.max(0, Math.min(hm, ya)) * width;
        const rb = Math.max(0, Math.min(hm, yb)) * width;
        let o = (y * width + x0) * 3;
        for (let x = x0; x < x1; x++, o += 3) {
          const xa = x - dx;
          const xb = x + dx;
          const ia = (ra + Math.max(0, Math.min(wm, xa))) * 3;
          const ib = (rb + Math.max(0, Math.min(wm, xb))) * 3;
          out[o] = (rgb0[ia]! + rgb2[ib]! + 1) >> 1;
          out[o + 1] = (rgb0[ia + 1]! + rgb2[ib + 1]! + 1) >> 1;
          out[o + 2] = (rgb0[ia + 2]! + rgb2[ib + 2]! + 1) >> 1;
        }
      }
    }
  }
  return out;
}

export interface InterpolateScratch {
  /** Output buffer to reuse (width·height·3). */
  out?: Uint8Array;
  /** Pyramids already built for I0 / I2 (e.g. I2 of the previous triple is I0 of the next). */
  pyramid0?: LumaPyramid;
  pyramid2?: LumaPyramid;
}

/** Motion-compensated middle frame of (I0, I2) by bilateral block matching. */
export function interpolateBilateral(
  f0: InterpFrame,
  f2: InterpFrame,
  options: Partial<BlockMatchOptions> = {},
  scratch: InterpolateScratch = {},
): Uint8Array {
  checkSameSize(f0, f2);
  const p0 = scratch.pyramid0 ?? buildLumaPyramid(f0.luma, f0.width, f0.height, options);
  const p2 = scratch.pyramid2 ?? buildLumaPyramid(f2.luma, f2.width, f2.height, options);
  const field = estimateBilateralMotion(p0, p2, options);
  return renderBilateral(f0.rgb, f2.rgb, f0.width, f0.height, field, scratch.out);
}

/** Î = round((I0 + I2)/2) byte-wise (round half up). */
export function interpolateLinearBlend(
  rgb0: Uint8Array,
  rgb2: Uint8Array,
  out: Uint8Array = new Uint8Array(rgb0.length),
): Uint8Array {
  if (rgb0.length !== rgb2.length || out.length !== rgb0.length) {
    throw new RangeError('interpolateLinearBlend: buffer sizes differ');
  }
  for (let i = 0; i < rgb0.length; i++) out[i] = (rgb0[i]! + rgb2[i]! + 1) >> 1;
  return out;
}

/** VBench's per-triple quantity: mean |Î − I1| over all bytes (the three channels). */
export function reconstructionMad(interpolated: Uint8Array, actual: Uint8Array): number {
  return actual.length === 0 ? 0 : sumAbsDiff(interpolated, actual) / actual.length;
}
