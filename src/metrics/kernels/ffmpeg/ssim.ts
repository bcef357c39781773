/**
 * Exact port of ffmpeg 5.1 `vf_ssim.c` for 8-bit planes (metrics.md §4.3). The filter is x264's SSIM:
 * 4×4 block sums, 8×8 windows (2×2 blocks) at a stride of 4 px, integer sums and a float32 end formula.
 * On x86-64 ffmpeg runs the SSE4 `ssim_end_line`, which evaluates each window in float32 exactly like the
 * C `ssim_end1` and accumulates the window values in double; we do the same, so results agree to the last
 * printed digit.
 *
 * ssimPlane runs the WebAssembly SIMD twin of this file (wasm/ssim.ts) when it is available and keeps the
 * JS loop below as the reference and fallback (TEMPORALCI_KERNELS=js); test/unit/metrics/kernels-wasm.test.ts
 * holds both to identical results.
 */
import { wasmKernels } from '../wasm/loader.js';

const MAX_8BIT = 255;

/** Constants derived as the filter derives them: `(int)(.01*.01*max*max*64 + .5)` and the 64·63 form. */
export const SSIM_C1 = Math.trunc(0.01 * 0.01 * MAX_8BIT * MAX_8BIT * 64 + 0.5);
export const SSIM_C2 = Math.trunc(0.03 * 0.03 * MAX_8BIT * MAX_8BIT * 64 * 63 + 0.5);

const f32 = Math.fround;

/**
 * SSIM of one 8×8 window from its integer sums over 64 px (ffmpeg `ssim_end1`). Every product fits int32 for
 * 8-bit input, so the integer part is exact in doubles; each int→float conversion and each float operation
 * is rounded with Math.fround (a double product/quotient of two floats rounded to float is the float result).
 */
function ssimWindow(s1: number, s2: number, ss: number, s12: number): number {
  const vars = ss * 64 - s1 * s1 - s2 * s2;
  const covar = s12 * 64 - s1 * s2;
  const num = f32(f32(2 * s1 * s2 + SSIM_C1) * f32(2 * covar + SSIM_C2));
  const den = f32(f32(s1 * s1 + s2 * s2 + SSIM_C1) * f32(vars + SSIM_C2));
  return f32(num / den);
}

/** Reusable per-row block sums (4 ints per 4×4 block), so a frame loop allocates nothing. */
export class SsimScratch {
  rowA = new Int32Array(0);
  rowB = new Int32Array(0);
  pair = new Int32Array(0);

  ensure(blocksPerRow: number): void {
    const n = blocksPerRow * 4;
    if (this.rowA.length < n) {
      this.rowA = new Int32Array(n);
      this.rowB = new Int32Array(n);
      this.pair = new Int32Array(n);
    }
  }
}

/** Sums s1, s2, ss (Σa²+Σb²), s12 of each 4×4 block of block-row `by` (ffmpeg `ssim_4x4xn_8bit`). */
function blockRow(
  a: Uint8Array,
  b: Uint8Array,
  stride: number,
  by: number,
  blocks: number,
  out: Int32Array,
): void {
  const base = by * 4 * stride;
  for (let z = 0; z < blocks; z++) {
    let s1 = 0;
    let s2 = 0;
    let ss = 0;
    let s12 = 0;
    for (let y = 0; y < 4; y++) {
      let p = base + y * stride + z * 4;
      for (let x = 0; x < 4; x++, p++) {
        const va = a[p]!;
        const vb = b[p]!;
        s1 += va;
        s2 += vb;
        ss += va * va + vb * vb;
        s12 += va * vb;
      }
    }
    const o = z * 4;
    out[o] = s1;
    out[o + 1] = s2;
    out[o + 2] = ss;
    out[o + 3] = s12;
  }
}

/** Whether 4-byte words of this platform hold pixels x..x+3 as bits 0–7, 8–15, … (little-endian). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * blockRow reading each 4-pixel block row as one 32-bit word (a32/b32 view the planes, stride4 = stride/4):
 * a quarter of the bounds-checked loads, which halves the kernel's time (bench/ffmpeg-parity.ts). Same
 * integer sums.
 */
function blockRow32(
  a32: Uint32Array,
  b32: Uint32Array,
  stride4: number,
  by: number,
  blocks: number,
  out: Int32Array,
): void {
  const base = by * 4 * stride4;
  for (let z = 0; z < blocks; z++) {
    let s1 = 0;
    let s2 = 0;
    let ss = 0;
    let s12 = 0;
    for (let y = 0, p = base + z; y < 4; y++, p += stride4) {
      const wa = a32[p]!;
      const wb = b32[p]!;
      const a0 = wa & 255;
      const a1 = (wa >>> 8) & 255;
      const a2 = (wa >>> 16) & 255;
      const a3 = wa >>> 24;
      const b0 = wb & 255;
      const b1 = (wb >>> 8) & 255;
      const b2 = (wb >>> 16) & 255;
      const b3 = wb >>> 24;
      s1 += a0 + a1 + a2 + a3;
      s2 += b0 + b1 + b2 + b3;
      ss += a0 * a0 + a1 * a1 + a2 * a2 + a3 * a3 + b0 * b0 + b1 * b1 + b2 * b2 + b3 * b3;
      s12 += a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3;
    }
    const o = z * 4;
    out[o] = s1;
    out[o + 1] = s2;
    out[o + 2] = ss;
    out[o + 3] = s12;
  }
}

/** Word views of both planes when their layout allows it (4-aligned starts and stride), else undefined. */
function wordViews(a: Uint8Array, b: Uint8Array, stride: number): [Uint32Array, Uint32Array] | undefined {
  if (!LITTLE_ENDIAN || stride % 4 !== 0 || a.byteOffset % 4 !== 0 || b.byteOffset % 4 !== 0)
    return undefined;
  return [
    new Uint32Array(a.buffer, a.byteOffset, a.length >> 2),
    new Uint32Array(b.buffer, b.byteOffset, b.length >> 2),
  ];
}

/**
 * Number of 8×8 windows the filter averages over: ((w>>2) − 1)·((h>>2) − 1). The last w mod 4 columns and
 * h mod 4 rows are never read.
 */
function ssimWindowCount(width: number, height: number): number {
  return Math.max(0, (width >> 2) - 1) * Math.max(0, (height >> 2) - 1);
}

/**
 * SSIM of one 8-bit plane, `a` against `b` (symmetric), both `width`×`height` with row `stride` (default
 * width). A plane smaller than 8 px in either direction has no window: ffmpeg then divides 0 by 0 and prints
 * nan, and so do we (NaN), so a caller must decide what that means for its result.
 */
export function ssimPlane(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  stride = width,
  scratch: SsimScratch = new SsimScratch(),
): number {
  checkPlane(a, b, width, height, stride);
  const windows = ssimWindowCount(width, height);
  if (windows === 0) return Number.NaN;
  const simd = wasmKernels();
  if (simd !== undefined) return simd.ssimPlaneSum(a, b, width, height, stride) / windows;
  return ssimPlaneJs(a, b, width, height, stride, scratch) / windows;
}

/** ssimPlane on the pure-JS kernel whatever the environment: the reference the SIMD kernel is held to. */
export function ssimPlaneReference(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  stride = width,
): number {
  checkPlane(a, b, width, height, stride);
  const windows = ssimWindowCount(width, height);
  if (windows === 0) return Number.NaN;
  return ssimPlaneJs(a, b, width, height, stride, new SsimScratch()) / windows;
}

/** Σ of the window SSIMs of a checked plane pair with at least one window (the JS loop). */
function ssimPlaneJs(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  stride: number,
  scratch: SsimScratch,
): number {
  const bw = width >> 2;
  const bh = height >> 2;
  scratch.ensure(bw);
  let prev = scratch.rowA;
  let cur = scratch.rowB;
  const pair = scratch.pair;
  const words = wordViews(a, b, stride);
  const sums = (by: number, out: Int32Array): void => {
    if (words === undefined) blockRow(a, b, stride, by, bw, out);
    else blockRow32(words[0], words[1], stride >> 2, by, bw, out);
  };
  sums(0, prev);
  let total = 0;
  for (let by = 1; by < bh; by++) {
    sums(by, cur);
    // Vertical pairs once per block (each is shared by two windows), then windows from adjacent pairs.
    for (let o = 0; o < 4 * bw; o++) pair[o] = prev[o]! + cur[o]!;
    for (let o = 0; o < 4 * (bw - 1); o += 4) {
      total += ssimWindow(
        pair[o]! + pair[o + 4]!,
        pair[o + 1]! + pair[o + 5]!,
        pair[o + 2]! + pair[o + 6]!,
        pair[o + 3]! + pair[o + 7]!,
      );
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return total;
}

function checkPlane(a: Uint8Array, b: Uint8Array, width: number, height: number, stride: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || stride < width) {
    throw new RangeError(`ssim: bad plane geometry ${width}x${height} stride ${stride}`);
  }
  const need = (height - 1) * stride + width;
  if (a.length < need || b.length < need) {
    throw new RangeError(
      `ssim: plane buffers hold ${a.length}/${b.length} bytes, ${width}x${height} needs ${need}`,
    );
  }
}

/** One plane of a frame pair, e.g. Y, U or V of yuv420p (chroma sizes rounded up, as ffmpeg does). */
export interface PlanePair {
  a: Uint8Array;
  b: Uint8Array;
  width: number;
  height: number;
  stride?: number;
}

export interface SsimFrameResult {
  /** Per-plane SSIM in the order given (Y, U, V for yuv; R, G, B for gbrp as ffmpeg reports them). */
  planes: number[];
  /** ffmpeg's `All`: planes weighted by area (double weights, as 5.1's `coefs`; older builds held them in
   * float32, which put identical yuv420p frames at 1 + 3e-8). */
  all: number;
  /** ffmpeg's `dB`: 10·log10(1/(1 − All)); +Infinity for identical frames. */
  db: number;
}

/** ffmpeg `ssim_db(ssim, weight)`: 10·log10(weight/(weight − ssim)), +Infinity within 1e-9 of equal. */
function ssimDb(ssim: number, weight = 1): number {
  return Math.abs(weight - ssim) > 1e-9
    ? 10 * Math.log10(weight / (weight - ssim))
    : Number.POSITIVE_INFINITY;
}

/** SSIM of a multi-plane frame pair, exactly as the filter combines its planes into `All` and `dB`. */
export function ssimFrame(
  planes: readonly PlanePair[],
  scratch: SsimScratch = new SsimScratch(),
): SsimFrameResult {
  if (planes.length === 0) throw new RangeError('ssim: a frame needs at least one plane');
  let area = 0;
  for (const p of planes) area += p.width * p.height;
  const values: number[] = [];
  let all = 0;
  for (const p of planes) {
    const v = ssimPlane(p.a, p.b, p.width, p.height, p.stride ?? p.width, scratch);
    values.push(v);
    all += ((p.width * p.height) / area) * v;
  }
  return { planes: values, all, db: ssimDb(all) };
}
