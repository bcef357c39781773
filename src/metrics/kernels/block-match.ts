/**
 * Bilateral (symmetric) block-matching motion search for frame interpolation (see interpolate.ts): for each
 * block B of the missing middle frame, the vector d minimising Σ_B |I0(x − d) − I2(x + d)|, searched on luma
 * over a coarse-to-fine pyramid so large motions cost no more than small ones.
 *
 * Complexity (W×H frame, block b, L levels, coarse radius Rc, refine radius Rf): pyramid O(W·H); coarse
 * level O(W·H/4^(L−1) · (2Rc+1)²), each finer level O(W·H/4^l · (8 + (2Rf+1)²)) absolute differences plus a
 * clean-up pass of ≤ 8 candidates per block — about 10·W·H with the defaults. Blocks whose zero vector
 * already matches exactly (static regions) stop after one block cost.
 */
import { type BlockCost, bilateralCost, forwardCost } from './block-cost.js';

interface LumaPlane {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Level 0 is full resolution; level l is 2^l times smaller. */
export type LumaPyramid = readonly LumaPlane[];

export interface BlockMatchOptions {
  /** Block side in pixels, the same at every level (so a coarse block covers 4× the area). */
  blockSize: number;
  /** Maximum number of pyramid levels (1 = single-scale search). */
  levels: number;
  /** Exhaustive search radius at the coarsest level, in that level's pixels. */
  coarseRadius: number;
  /** Radius of the refinement around the best propagated vector at each finer level. */
  refineRadius: number;
  /** A level is only added while its smaller side stays at least this large. */
  minLevelSize: number;
}

/**
 * 8×8 blocks as in metrics.md §3.4. Three levels with Rc = 4 and Rf = 2 reach |d| ≤ 4·4 + 2·2 + 2 = 22 px
 * per axis at full resolution, i.e. pans up to 22 px/frame (d is half the motion between I0 and I2).
 */
export const DEFAULT_BLOCK_MATCH: Readonly<BlockMatchOptions> = {
  blockSize: 8,
  levels: 3,
  coarseRadius: 4,
  refineRadius: 2,
  minLevelSize: 16,
};

/** One vector per block of the missing frame: Î(x) = ½[I0(x − d) + I2(x + d)] inside the block. */
export interface MotionField {
  readonly blockSize: number;
  readonly blocksX: number;
  readonly blocksY: number;
  readonly dx: Int16Array;
  readonly dy: Int16Array;
}

/** 2×2 box average with rounding; an odd last row/column is dropped (it only affects the coarse search). */
function downsample2x(p: LumaPlane): LumaPlane {
  const w = p.width >> 1;
  const h = p.height >> 1;
  const out = new Uint8Array(w * h);
  const src = p.data;
  const sw = p.width;
  for (let y = 0; y < h; y++) {
    let i0 = 2 * y * sw;
    let i1 = i0 + sw;
    let o = y * w;
    for (let x = 0; x < w; x++, i0 += 2, i1 += 2, o++) {
      out[o] = (src[i0]! + src[i0 + 1]! + src[i1]! + src[i1 + 1]! + 2) >> 2;
    }
  }
  return { data: out, width: w, height: h };
}

export function buildLumaPyramid(
  luma: Uint8Array,
  width: number,
  height: number,
  options: Partial<BlockMatchOptions> = {},
): LumaPyramid {
  const opts = { ...DEFAULT_BLOCK_MATCH, ...options };
  if (luma.length !== width * height) throw new RangeError('buildLumaPyramid: luma size does not match');
  const levels: LumaPlane[] = [{ data: luma, width, height }];
  while (levels.length < opts.levels) {
    const top = levels[levels.length - 1]!;
    if (Math.min(top.width >> 1, top.height >> 1) < opts.minLevelSize) break;
    levels.push(downsample2x(top));
  }
  return levels;
}

/** Search offsets within ±r, excluding (0,0), nearest first (L1, then L∞) so ties keep the smaller motion. */
function offsetsWithin(r: number): Int16Array {
  const list: [number, number][] = [];
  for (let y = -r; y <= r; y++) for (let x = -r; x <= r; x++) if (x !== 0 || y !== 0) list.push([x, y]);
  list.sort(
    (p, q) =>
      Math.abs(p[0]) + Math.abs(p[1]) - (Math.abs(q[0]) + Math.abs(q[1])) ||
      Math.max(Math.abs(p[0]), Math.abs(p[1])) - Math.max(Math.abs(q[0]), Math.abs(q[1])),
  );
  const out = new Int16Array(list.length * 2);
  list.forEach(([x, y], k) => {
    out[2 * k] = x;
    out[2 * k + 1] = y;
  });
  return out;
}

/** Offsets of the 8 neighbouring blocks, used by the cost-driven clean-up pass. */
const NEIGHBOURS = [-1, -1, 0, -1, 1, -1, -1, 0, 1, 0, -1, 1, 0, 1, 1, 1] as const;

/**
 * Block matching at one level. Candidates, in order (only a strictly smaller cost replaces the current
 * best): the zero vector; the parent (coarser) block's vector and its 4 neighbours', doubled; the vectors
 * already chosen for the left and upper blocks at this level (spatial predictors, as in 3-D recursive
 * search); then a local search around the best of those. A last pass offers each block its 8 neighbours'
 * final vectors, which repairs isolated outliers (spurious matches on noise-like coarse levels) without
 * ever raising a block's cost — a cost-aware replacement for median-filtering the field.
 */
function matchLevel(
  a: LumaPlane,
  b: LumaPlane,
  blockSize: number,
  parent: MotionField | undefined,
  offsets: Int16Array,
  blockCost: BlockCost,
): MotionField {
  const { width: w, height: h } = a;
  const blocksX = Math.ceil(w / blockSize);
  const blocksY = Math.ceil(h / blockSize);
  const fdx = new Int16Array(blocksX * blocksY);
  const fdy = new Int16Array(blocksX * blocksY);
  const costs = new Float64Array(blocksX * blocksY);
  const half = blockSize >> 1;
  for (let j = 0; j < blocksY; j++) {
    const y0 = j * blockSize;
    const y1 = Math.min(h, y0 + blockSize);
    for (let i = 0; i < blocksX; i++) {
      const x0 = i * blockSize;
      const x1 = Math.min(w, x0 + blockSize);
      // The zero vector goes first: static regions stay exact and stop here.
      let best = blockCost(a.data, b.data, w, h, x0, y0, x1, y1, 0, 0, Number.POSITIVE_INFINITY);
      let bdx = 0;
      let bdy = 0;
      const pi = parent === undefined ? 0 : Math.min(parent.blocksX - 1, ((x0 + half) >> 1) / blockSize) | 0;
      const pj = parent === undefined ? 0 : Math.min(parent.blocksY - 1, ((y0 + half) >> 1) / blockSize) | 0;
      for (let k = 0; k < 7 && best > 0; k++) {
        let cdx: number;
        let cdy: number;
        if (k < 5) {
          if (parent === undefined) continue;
          const qi = k === 1 ? pi - 1 : k === 2 ? pi + 1 : pi;
          const qj = k === 3 ? pj - 1 : k === 4 ? pj + 1 : pj;
          if (qi < 0 || qj < 0 || qi >= parent.blocksX || qj >= parent.blocksY) continue;
          cdx = 2 * parent.dx[qj * parent.blocksX + qi]!;
          cdy = 2 * parent.dy[qj * parent.blocksX + qi]!;
        } else {
          const qi = k === 5 ? i - 1 : i;
          const qj = k === 6 ? j - 1 : j;
          if (qi < 0 || qj < 0) continue;
          cdx = fdx[qj * blocksX + qi]!;
          cdy = fdy[qj * blocksX + qi]!;
        }
        if (cdx === bdx && cdy === bdy) continue;
        const c = blockCost(a.data, b.data, w, h, x0, y0, x1, y1, cdx, cdy, best);
        if (c < best) {
          best = c;
          bdx = cdx;
          bdy = cdy;
        }
      }
      const cx = bdx;
      const cy = bdy;
      for (let k = 0; k < offsets.length && best > 0; k += 2) {
        const dx = cx + offsets[k]!;
        const dy = cy + offsets[k + 1]!;
        if (dx === 0 && dy === 0) continue;
        const c = blockCost(a.data, b.data, w, h, x0, y0, x1, y1, dx, dy, best);
        if (c < best) {
          best = c;
          bdx = dx;
          bdy = dy;
        }
      }
      // An accepted cost was computed to the end (early exit only happens at or above the bound): exact.
      costs[j * blocksX + i] = best;
      fdx[j * blocksX + i] = bdx;
      fdy[j * blocksX + i] = bdy;
    }
  }
  for (let j = 0; j < blocksY; j++) {
    const y0 = j * blockSize;
    const y1 = Math.min(h, y0 + blockSize);
    for (let i = 0; i < blocksX; i++) {
      const b0 = j * blocksX + i;
      let best = costs[b0]!;
      if (best === 0) continue;
      const x0 = i * blockSize;
      const x1 = Math.min(w, x0 + blockSize);
      for (let k = 0; k < NEIGHBOURS.length && best > 0; k += 2) {
        const qi = i + NEIGHBOURS[k]!;
        const qj = j + NEIGHBOURS[k + 1]!;
        if (qi < 0 || qj < 0 || qi >= blocksX || qj >= blocksY) continue;
        const cdx = fdx[qj * blocksX + qi]!;
        const cdy = fdy[qj * blocksX + qi]!;
        if (cdx === fdx[b0] && cdy === fdy[b0]) continue;
        const c = blockCost(a.data, b.data, w, h, x0, y0, x1, y1, cdx, cdy, best);
        if (c < best) {
          best = c;
          fdx[b0] = cdx;
          fdy[b0] = cdy;
        }
      }
      costs[b0] = best;
    }
  }
  return { blockSize, blocksX, blocksY, dx: fdx, dy: fdy };
}

/** Coarse-to-fine bilateral motion search between the luma pyramids of I0 and I2. */
export function estimateBilateralMotion(
  p0: LumaPyramid,
  p2: LumaPyramid,
  options: Partial<BlockMatchOptions> = {},
): MotionField {
  return estimate(p0, p2, options, bilateralCost);
}

/**
 * Coarse-to-fine one-sided block matching: per block B of I0, the d minimising Σ_B |I0(x) − I1(x + d)|,
 * i.e. a forward flow at block resolution in whole pixels (reach 22 px/frame with the defaults). Same
 * candidates, tie-breaking and clean-up as the bilateral search.
 */
export function estimateForwardMotion(
  p0: LumaPyramid,
  p1: LumaPyramid,
  options: Partial<BlockMatchOptions> = {},
): MotionField {
  return estimate(p0, p1, options, forwardCost);
}

function estimate(
  p0: LumaPyramid,
  p2: LumaPyramid,
  options: Partial<BlockMatchOptions>,
  cost: BlockCost,
): MotionField {
  const opts = { ...DEFAULT_BLOCK_MATCH, ...options };
  if (p0.length !== p2.length || p0.length === 0) throw new RangeError('block matching: pyramids differ');
  checkSameSize(p0[0]!, p2[0]!);
  const coarse = offsetsWithin(opts.coarseRadius);
  const refine = offsetsWithin(opts.refineRadius);
  let field: MotionField | undefined;
  for (let l = p0.length - 1; l >= 0; l--) {
    field = matchLevel(p0[l]!, p2[l]!, opts.blockSize, field, field === undefined ? coarse : refine, cost);
  }
  return field!;
}

export function checkSameSize(
  a: { width: number; height: number },
  b: { width: number; height: number },
): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(
      `interpolate: frame sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`,
    );
  }
}
