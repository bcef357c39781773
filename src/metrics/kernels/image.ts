/**
 * Small image kernels shared by the no-reference metrics: bilinear luma resize (fixed analysis sizes),
 * OpenCV's 8-bit RGB→HSV, the 4-neighbour Laplacian variance.
 */
import { sumAbsDiff } from './mad.js';

/** Bilinear resize of an 8-bit plane with pixel-centre alignment (OpenCV INTER_LINEAR convention). */
export function resizeBilinear(src: Uint8Array, w: number, h: number, tw: number, th: number): Uint8Array {
  if (tw === w && th === h) return src;
  const out = new Uint8Array(tw * th);
  const sx = w / tw;
  const sy = h / th;
  for (let y = 0; y < th; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < tw; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      const top = src[y0 * w + x0]! * (1 - wx) + src[y0 * w + x1]! * wx;
      const bottom = src[y1 * w + x0]! * (1 - wx) + src[y1 * w + x1]! * wx;
      out[y * tw + x] = Math.round(top * (1 - wy) + bottom * wy);
    }
  }
  return out;
}

/** Source span [start, end) and per-tap weights of each output sample of an area (box) resize. */
function areaTaps(n: number, tn: number): { start: Int32Array; weights: Float64Array[] } {
  const scale = n / tn;
  const start = new Int32Array(tn);
  const weights: Float64Array[] = [];
  for (let o = 0; o < tn; o++) {
    const lo = o * scale;
    const hi = Math.min(n, (o + 1) * scale);
    const first = Math.floor(lo);
    const last = Math.min(n - 1, Math.ceil(hi) - 1);
    const w = new Float64Array(last - first + 1);
    for (let k = first; k <= last; k++) w[k - first] = (Math.min(hi, k + 1) - Math.max(lo, k)) / scale;
    start[o] = first;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Area (box-filter) downscale of an 8-bit plane: each output pixel is the coverage-weighted mean of the
 * source pixels under it (ffmpeg's `area`, OpenCV's INTER_AREA). Bilinear sampling at a factor of 2 or more
 * skips pixels and aliases fine texture, which shifts where a pattern seems to be by a fraction of a pixel
 * from frame to frame; a flow measured to sub-pixel accuracy must not inherit that. Sizes must not grow.
 */
export function resizeArea(src: Uint8Array, w: number, h: number, tw: number, th: number): Uint8Array {
  if (tw === w && th === h) return src;
  if (tw > w || th > h) throw new RangeError(`resizeArea only shrinks (${w}x${h} -> ${tw}x${th})`);
  if (w === 2 * tw && h === 2 * th) return halve(src, w, tw, th);
  const cols = areaTaps(w, tw);
  const rows = areaTaps(h, th);
  const tmp = new Float64Array(tw * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < tw; x++) {
      const wts = cols.weights[x]!;
      let acc = 0;
      for (let k = 0, i = y * w + cols.start[x]!; k < wts.length; k++, i++) acc += wts[k]! * src[i]!;
      tmp[y * tw + x] = acc;
    }
  }
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) {
    const wts = rows.weights[y]!;
    const y0 = rows.start[y]!;
    for (let x = 0; x < tw; x++) {
      let acc = 0;
      for (let k = 0; k < wts.length; k++) acc += wts[k]! * tmp[(y0 + k) * tw + x]!;
      out[y * tw + x] = Math.round(acc);
    }
  }
  return out;
}

/** resizeArea for an exact factor of 2 (512 → 256, the common case): the same rounded 2×2 means, in integers. */
function halve(src: Uint8Array, w: number, tw: number, th: number): Uint8Array {
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) {
    for (let x = 0, i = 2 * y * w, o = y * tw; x < tw; x++, i += 2, o++) {
      out[o] = (src[i]! + src[i + 1]! + src[i + w]! + src[i + w + 1]! + 2) >> 2;
    }
  }
  return out;
}

/**
 * resizeBilinear on each channel of packed rgb24 in one pass (no de-interleaving; column taps computed
 * once). The arithmetic per channel is resizeBilinear's, so the bytes are the same.
 */
export function resizeRgbBilinear(src: Uint8Array, w: number, h: number, tw: number, th: number): Uint8Array {
  if (tw === w && th === h) return src;
  const out = new Uint8Array(tw * th * 3);
  const sx = w / tw;
  const sy = h / th;
  const cx0 = new Int32Array(tw);
  const cx1 = new Int32Array(tw);
  const cwx = new Float64Array(tw);
  for (let x = 0; x < tw; x++) {
    const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    cx0[x] = Math.floor(fx);
    cx1[x] = Math.min(w - 1, cx0[x]! + 1);
    cwx[x] = fx - cx0[x]!;
  }
  for (let y = 0; y < th; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0, o = y * tw * 3; x < tw; x++, o += 3) {
      const wx = cwx[x]!;
      const a = (y0 * w + cx0[x]!) * 3;
      const b = (y0 * w + cx1[x]!) * 3;
      const c = (y1 * w + cx0[x]!) * 3;
      const d = (y1 * w + cx1[x]!) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k]! * (1 - wx) + src[b + k]! * wx;
        const bottom = src[c + k]! * (1 - wx) + src[d + k]! * wx;
        out[o + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

/** The size whose shorter side is `side`, keeping the aspect ratio (VBench's "min side 256"). */
export function sizeWithMinSide(w: number, h: number, side: number): { width: number; height: number } {
  return w <= h
    ? { width: side, height: Math.max(1, Math.round((h * side) / w)) }
    : { width: Math.max(1, Math.round((w * side) / h)), height: side };
}

/**
 * OpenCV `cvtColor(RGB2HSV)` for 8-bit images: H in [0,180) (degrees / 2), S and V in [0,255]. Planar output.
 */
export function rgbToHsv8(rgb: Uint8Array, pixels: number): { h: Uint8Array; s: Uint8Array; v: Uint8Array } {
  const H = new Uint8Array(pixels);
  const S = new Uint8Array(pixels);
  const V = new Uint8Array(pixels);
  const { sat, hue8 } = hsvTables();
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    const r = rgb[j]!;
    const g = rgb[j + 1]!;
    const b = rgb[j + 2]!;
    const v = Math.max(r, g, b);
    const diff = v - Math.min(r, g, b);
    V[i] = v;
    S[i] = sat[(v << 8) | diff]!;
    if (diff === 0) H[i] = 0;
    else if (v === r) H[i] = hue8[((g - b + 255) << 8) | diff]!;
    else if (v === g) H[i] = hue8[((511 + b - r + 255) << 8) | diff]!;
    else H[i] = hue8[((1022 + r - g + 255) << 8) | diff]!;
  }
  return { h: H, s: S, v: V };
}

let tables: { sat: Uint8Array; hue8: Uint8Array } | undefined;

/**
 * rgbToHsv8's per-pixel arithmetic, precomputed once per thread with the same expressions (so the same
 * bytes; checked on all 2^24 colours): sat[v·256 + diff] = round(255·diff / v), and for the sextant k of the
 * maximum channel (r, g, b → base 0, 120, 240) and x = the difference of the other two channels,
 * hue8[(511k + x + 255)·256 + diff] = round(h / 2) mod 180 with h = base + 60·x / diff (+360 if negative).
 */
function hsvTables(): { sat: Uint8Array; hue8: Uint8Array } {
  if (tables !== undefined) return tables;
  const sat = new Uint8Array(256 * 256);
  for (let v = 1; v < 256; v++) for (let d = 0; d <= v; d++) sat[(v << 8) | d] = Math.round((255 * d) / v);
  const hue8 = new Uint8Array(3 * 511 * 256);
  for (let k = 0; k < 3; k++) {
    for (let x = -255; x <= 255; x++) {
      for (let d = 1; d < 256; d++) {
        let h = 120 * k + (60 * x) / d;
        if (h < 0) h += 360;
        hue8[((511 * k + x + 255) << 8) | d] = Math.round(h / 2) % 180;
      }
    }
  }
  tables = { sat, hue8 };
  return tables;
}

/** Population variance of the 3×3 Laplacian [0 1 0; 1 −4 1; 0 1 0] over the interior (OpenCV ksize=1). */
export function laplacianVariance(p: Uint8Array, w: number, h: number): number {
  if (w < 3 || h < 3) return Number.NaN;
  let sum = 0;
  let sum2 = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      const l = p[i - 1]! + p[i + 1]! + p[i - w]! + p[i + w]! - 4 * p[i]!;
      sum += l;
      sum2 += l * l;
    }
  }
  const n = (w - 2) * (h - 2);
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/** Mean absolute difference of two equal-length planes. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  // The branch-free exact integer sum of mad.ts (a branch on the sign mispredicts on noisy frames).
  return sumAbsDiff(a, b) / a.length;
}
