/**
 * Block sums of absolute differences for the motion searches of block-match.ts, over the block
 * [x0,x1)×[y0,y1) with coordinates clamped at the frame border. Each stops as soon as the partial sum
 * reaches `bound`: callers only accept strictly smaller costs, so the exact value is not needed then.
 *
 * Speed (bench/kernels.ts): |d| is taken branch-free ((d ^ m) − m with m = d >> 31) because on noisy
 * content the sign of d is a coin flip and a branch mispredicts half the time; full 8-pixel rows inside
 * the frame are unrolled. Neither changes any sum. The two searches get separate functions rather than a
 * mode argument: folding a's offset into a parameter cost ~15 % in the hot loop.
 */

export type BlockCost = (
  a: Uint8Array,
  b: Uint8Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  dx: number,
  dy: number,
  bound: number,
) => number;

/** Σ |a[ia + k] − b[ib + k]| over 8 bytes, branch-free. */
function row8(a: Uint8Array, b: Uint8Array, ia: number, ib: number): number {
  let d = a[ia]! - b[ib]!;
  let m = d >> 31;
  let s = (d ^ m) - m;
  d = a[ia + 1]! - b[ib + 1]!;
  m = d >> 31;
  s += (d ^ m) - m;
  d = a[ia + 2]! - b[ib + 2]!;
  m = d >> 31;
  s += (d ^ m) - m;
  d = a[ia + 3]! - b[ib + 3]!;
  m = d >> 31;
  s += (d ^ m) - m;
  d = a[ia + 4]! - b[ib + 4]!;
  m = d >> 31;
  s += (d ^ m) - m;
  d = a[ia + 5]! - b[ib + 5]!;
  m = d >> 31;
  s += (d ^ m) - m;
  d = a[ia + 6]! - b[ib + 6]!;
  m = d >> 31;
  s += (d ^ m) - m;
  d = a[ia + 7]! - b[ib + 7]!;
  m = d >> 31;
  return s + ((d ^ m) - m);
}

/**
 * Rows of the block read at a + ia0 and b + ib0 (row stride w), all inside the frame. Shared by both
 * searches: only where a and b are read differs.
 */
function inside(
  a: Uint8Array,
  b: Uint8Array,
  w: number,
  ia0: number,
  ib0: number,
  rows: number,
  n: number,
  bound: number,
): number {
  let cost = 0;
  let ia = ia0;
  let ib = ib0;
  if (n === 8) {
    for (let r = 0; r < rows; r++, ia += w, ib += w) {
      cost += row8(a, b, ia, ib);
      if (cost >= bound) return cost;
    }
    return cost;
  }
  for (let r = 0; r < rows; r++, ia += w, ib += w) {
    for (let k = 0; k < n; k++) {
      const d = a[ia + k]! - b[ib + k]!;
      const m = d >> 31;
      cost += (d ^ m) - m;
    }
    if (cost >= bound) return cost;
  }
  return cost;
}

/** Rows with clamped coordinates: a read at (x + ax, y + ay), b at (x + dx, y + dy). */
function clamped(
  a: Uint8Array,
  b: Uint8Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  ax: number,
  ay: number,
  dx: number,
  dy: number,
  bound: number,
): number {
  const wm = w - 1;
  const hm = h - 1;
  let cost = 0;
  for (let y = y0; y < y1; y++) {
    const ra = Math.max(0, Math.min(hm, y + ay)) * w;
    const rb = Math.max(0, Math.min(hm, y + dy)) * w;
    for (let x = x0; x < x1; x++) {
      const d = a[ra + Math.max(0, Math.min(wm, x + ax))]! - b[rb + Math.max(0, Math.min(wm, x + dx))]!;
      const m = d >> 31;
      cost += (d ^ m) - m;
    }
    if (cost >= bound) return cost;
  }
  return cost;
}

/** Bilateral: Σ |a(x − d) − b(x + d)|, the symmetric cost of frame interpolation. */
export const bilateralCost: BlockCost = (a, b, w, h, x0, y0, x1, y1, dx, dy, bound) => {
  const adx = dx < 0 ? -dx : dx;
  const ady = dy < 0 ? -dy : dy;
  if (x0 - adx >= 0 && x1 - 1 + adx < w && y0 - ady >= 0 && y1 - 1 + ady < h) {
    return inside(a, b, w, (y0 - dy) * w + x0 - dx, (y0 + dy) * w + x0 + dx, y1 - y0, x1 - x0, bound);
  }
  return clamped(a, b, w, h, x0, y0, x1, y1, -dx, -dy, dx, dy, bound);
};

/** One-sided: Σ |a(x) − b(x + d)|, a forward flow from a to b. */
export const forwardCost: BlockCost = (a, b, w, h, x0, y0, x1, y1, dx, dy, bound) => {
  if (x0 + dx >= 0 && x1 - 1 + dx < w && y0 + dy >= 0 && y1 - 1 + dy < h) {
    return inside(a, b, w, y0 * w + x0, (y0 + dy) * w + x0 + dx, y1 - y0, x1 - x0, bound);
  }
  return clamped(a, b, w, h, x0, y0, x1, y1, 0, 0, dx, dy, bound);
};
