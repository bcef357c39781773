/**
 * Weight-free sub-pixel optical flow at block resolution, for dynamic_degree (a stand-in for VBench's RAFT).
 *
 * 1. Whole-pixel start: the coarse-to-fine one-sided block matcher of block-match.ts (8×8 blocks, SAD), run
 *    on a deeper pyramid than its other users (4 levels: reach ≈ 46 px per frame pair at the working size).
 * 2. Sub-pixel refinement per block: inverse-compositional Lucas–Kanade on a 12×12 window around the block,
 *    with a brightness offset as a third parameter (so a global brightness change is not read as motion):
 *    minimise Σ (a(x) + c − b(x + d))² over d and c, b sampled bilinearly, gradients of a by central
 *    differences. The Hessian is fixed per block (that is what makes it inverse-compositional), so each
 *    iteration costs one bilinear pass over the window. On a band-limited texture this recovers a known pan
 *    to a few hundredths of a pixel; whole-pixel matching alone is off by up to ½ px, and the old 2-px
 *    bilateral steps by up to 1 px.
 * 3. Reliability: a block's vector is kept only when it can be verified —
 *    - its displaced window lies inside the other frame: content leaving the frame (a pan's leading edge,
 *      where new content enters on the other side) has no true match, and its best SAD match is an
 *      arbitrary patch whose vector can be anything (it made a 16 px pan read 22 px and a ~8 px pan 158 px);
 *    - the window is textured in both directions: the smaller eigenvalue of its gradient structure tensor
 *      (brightness offset projected out) per pixel is at least MIN_TEXTURE — on flat areas and straight edges
 *      the vector is undetermined (the aperture problem);
 *    - Lucas–Kanade converged near its whole-pixel start and the residual is small against the two windows'
 *      own contrast (occlusions, non-rigid changes and windows where grain outweighs texture fail this).
 *    Unreliable blocks are left out of the statistics rather than counted as still: a statistic over the
 *    vectors we can vouch for, which is what the top-5 % of a dense flow would see on real motion.
 */
import { buildLumaPyramid, estimateForwardMotion, type LumaPyramid } from './block-match.js';

/** Block side and window margin (the LK window is blockSize + 2·MARGIN square). */
const FLOW_BLOCK = 8;
const MARGIN = 2;
const LEVELS = 4;
const MAX_ITERATIONS = 10;
/** Smallest structure-tensor eigenvalue per pixel (levels²/px²): below it the vector is undetermined. */
const MIN_TEXTURE = 4;
/**
 * Largest residual (mean squared, after the offset) as a share of var(a window) + var(b window). Two
 * unrelated windows give a share of ~1; a true match leaves twice the noise variance, so 0.4 keeps matches
 * whose texture is stronger than the noise (SNR ≳ 1.5) — whatever the grain level, with no absolute floor.
 */
const MAX_RESIDUAL_SHARE = 0.4;
/** LK may move this far from its whole-pixel start (px per axis) before the match counts as diverged. */
const MAX_REFINE = 1.5;

/** A frame prepared once for flow: its luma, pyramid and gradients (each frame is `a` once and `b` once). */
export interface FlowFrame {
  readonly luma: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly pyramid: LumaPyramid;
  /** Central-difference gradients ×2 (integers: a[x+1] − a[x−1]), 0 on the border rows/columns. */
  readonly gx: Int16Array;
  readonly gy: Int16Array;
}

export function prepareFlowFrame(luma: Uint8Array, width: number, height: number): FlowFrame {
  const gx = new Int16Array(width * height);
  const gy = new Int16Array(width * height);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      gx[i] = luma[i + 1]! - luma[i - 1]!;
      gy[i] = luma[i + width]! - luma[i - width]!;
    }
  }
  const pyramid = buildLumaPyramid(luma, width, height, { levels: LEVELS });
  return { luma, width, height, pyramid, gx, gy };
}

/** Per block: sub-pixel forward flow a → b (b(x + (u, v)) ≈ a(x) + c) and whether it is reliable. */
export interface FlowField {
  readonly blockSize: number;
  readonly blocksX: number;
  readonly blocksY: number;
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly reliable: Uint8Array;
}

/**
 * Lucas–Kanade refinement of one block's vector, starting from whole-pixel (u0, v0). Returns the refined
 * vector, or undefined when the block is unreliable (see the file comment).
 */
function refineBlock(
  a: FlowFrame,
  b: FlowFrame,
  x0: number,
  y0: number,
  u0: number,
  v0: number,
): { u: number; v: number } | undefined {
  const { width: w, height: h, luma, gx, gy } = a;
  // The window, kept off the border rows/columns where the gradients are not defined.
  const wx0 = Math.max(1, x0 - MARGIN);
  const wy0 = Math.max(1, y0 - MARGIN);
  const wx1 = Math.min(w - 1, x0 + FLOW_BLOCK + MARGIN);
  const wy1 = Math.min(h - 1, y0 + FLOW_BLOCK + MARGIN);
  const n = (wx1 - wx0) * (wy1 - wy0);
  // Hessian of [gx, gy, 1] (gradients are ×2, so H is ×4 in its gradient part) and the window statistics.
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sx = 0;
  let sy = 0;
  let sa = 0;
  let saa = 0;
  for (let y = wy0; y < wy1; y++) {
    for (let x = wx0, i = y * w + wx0; x < wx1; x++, i++) {
      const ix = gx[i]! * 0.5;
      const iy = gy[i]! * 0.5;
      sxx += ix * ix;
      sxy += ix * iy;
      syy += iy * iy;
      sx += ix;
      sy += iy;
      const p = luma[i]!;
      sa += p;
      saa += p * p;
    }
  }
  // Structure tensor with the brightness offset projected out (Schur complement of the constant term).
  const txx = sxx - (sx * sx) / n;
  const txy = sxy - (sx * sy) / n;
  const tyy = syy - (sy * sy) / n;
  const lambdaMin = 0.5 * (txx + tyy - Math.sqrt((txx - tyy) ** 2 + 4 * txy * txy));
  if (lambdaMin / n < MIN_TEXTURE) return undefined;
  const det = txx * tyy - txy * txy;
  let u = u0;
  let v = v0;
  let c = 0;
  let residual = Number.POSITIVE_INFINITY;
  let varianceB = 0;
  let converged = false;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    // The displaced window (and its bilinear neighbours) must lie inside b: content that left the frame has
    // no true match.
    if (wx0 + u < 0 || wy0 + v < 0 || wx1 + u > b.width - 1 || wy1 + v > b.height - 1) return undefined;
    // One displacement for the whole window, so the bilinear weights are the same at every pixel.
    const ix0 = Math.floor(u);
    const iy0 = Math.floor(v);
    const fx = u - ix0;
    const fy = v - iy0;
    const w00 = (1 - fx) * (1 - fy);
    const w01 = fx * (1 - fy);
    const w10 = (1 - fx) * fy;
    const w11 = fx * fy;
    const bw = b.width;
    const bl = b.luma;
    let rx = 0;
    let ry = 0;
    let r1 = 0;
    let rr = 0;
    let sb = 0;
    let sbb = 0;
    for (let y = wy0; y < wy1; y++) {
      let j = (y + iy0) * bw + wx0 + ix0;
      for (let x = wx0, i = y * w + wx0; x < wx1; x++, i++, j++) {
        const q = w00 * bl[j]! + w01 * bl[j + 1]! + w10 * bl[j + bw]! + w11 * bl[j + bw + 1]!;
        const r = q - luma[i]! - c;
        rx += gx[i]! * r;
        ry += gy[i]! * r;
        r1 += r;
        rr += r * r;
        sb += q;
        sbb += q * q;
      }
    }
    rx *= 0.5;
    ry *= 0.5;
    // Mean squared residual with the offset's mean taken out, and the warped window's variance.
    residual = rr / n - (r1 / n) ** 2;
    varianceB = sbb / n - (sb / n) ** 2;
    // Solve [T | offset] by eliminating the offset: Δc = (r1 − sx·Δx − sy·Δy)/n, T·Δ = rhs − s·r1/n.
    const bx = rx - (sx * r1) / n;
    const byy = ry - (sy * r1) / n;
    const dx = (tyy * bx - txy * byy) / det;
    const dy = (txx * byy - txy * bx) / det;
    c += (r1 - sx * dx - sy * dy) / n;
    u -= dx;
    v -= dy;
    if (Math.abs(u - u0) > MAX_REFINE || Math.abs(v - v0) > MAX_REFINE) return undefined;
    if (dx * dx + dy * dy < 1e-4) {
      converged = true;
      break;
    }
  }
  if (!converged) return undefined;
  const varianceA = saa / n - (sa / n) ** 2;
  if (residual > MAX_RESIDUAL_SHARE * (varianceA + varianceB)) return undefined;
  return { u, v };
}

/** Sub-pixel block flow from a to b (same size). */
export function estimateSubpixelFlow(a: FlowFrame, b: FlowFrame): FlowField {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError('flow: frame sizes differ');
  const coarse = estimateForwardMotion(a.pyramid, b.pyramid, { levels: LEVELS, blockSize: FLOW_BLOCK });
  const { blocksX, blocksY } = coarse;
  const u = new Float64Array(blocksX * blocksY);
  const v = new Float64Array(blocksX * blocksY);
  const reliable = new Uint8Array(blocksX * blocksY);
  for (let j = 0; j < blocksY; j++) {
    for (let i = 0; i < blocksX; i++) {
      const k = j * blocksX + i;
      const x0 = i * FLOW_BLOCK;
      const y0 = j * FLOW_BLOCK;
      u[k] = coarse.dx[k]!;
      v[k] = coarse.dy[k]!;
      // A partial block at the right/bottom edge is too small a window to trust.
      if (x0 + FLOW_BLOCK > a.width || y0 + FLOW_BLOCK > a.height) continue;
      const r = refineBlock(a, b, x0, y0, coarse.dx[k]!, coarse.dy[k]!);
      if (r === undefined) continue;
      u[k] = r.u;
      v[k] = r.v;
      reliable[k] = 1;
    }
  }
  return { blockSize: FLOW_BLOCK, blocksX, blocksY, u, v, reliable };
}

/**
 * VBench's per-pair statistic on the reliable blocks: the mean of the top 5 % of flow magnitudes (at least
 * one block; VBench takes int(0.05·pixels) pixels). 0 when no block is reliable (nothing measurable moved),
 * with `coverage` = the share of blocks that were reliable.
 */
export function topFlow(field: FlowField): { top: number; coverage: number } {
  const mags: number[] = [];
  for (let k = 0; k < field.reliable.length; k++) {
    if (field.reliable[k] === 1) mags.push(Math.hypot(field.u[k]!, field.v[k]!));
  }
  if (mags.length === 0) return { top: 0, coverage: 0 };
  const sorted = Float64Array.from(mags).sort();
  const k = Math.max(1, Math.floor(sorted.length * 0.05));
  let s = 0;
  for (let i = sorted.length - k; i < sorted.length; i++) s += sorted[i]!;
  return { top: s / k, coverage: mags.length / field.reliable.length };
}
