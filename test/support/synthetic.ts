import { FrameView } from '../../src/video/frame-view.js';

/**
 * Builders of synthetic rgb24 clips for metric tests. Everything is deterministic (seeded PRNG) and built
 * in memory, so expected values can be derived by hand or pinned.
 *
 * The texture model reproduces the setup of metrics.md §3.4: independent Gaussian noise per channel,
 * blurred with a periodic Gaussian (sigma ≈ 2 px) and rescaled to a fixed standard deviation. With that
 * blur, a 1/4/8 px shift gives inter-frame MADs of ≈ 5.4/17.7/22.6, i.e. the table's flicker column.
 * The texture is periodic, so pans are integer rolls with no border content to invent.
 */

/** A small, fast, seedable PRNG (mulberry32). Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller from a uniform source. */
function gaussianSource(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const u = 1 - rand(); // (0, 1], keeps log finite
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A periodic rgb24 image that frames are cut from. */
export interface Texture {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface TextureOptions {
  width: number;
  height: number;
  seed: number;
  /** Blur sigma in pixels: the correlation length of the texture. Default 2 (metrics.md §3.4). */
  sigma?: number;
  /** Per-channel mean after rescaling. Default [128, 128, 128]. */
  mean?: readonly [number, number, number];
  /** Per-channel standard deviation after rescaling. Default 20. */
  std?: number;
}

/** Inclusive clamp range of texture values: leaves 16 levels of head-room so ±N brightness flicker with
 * N ≤ 16 never clips (clipping would make the flicker MAD smaller than 2N). */
export const TEXTURE_MIN = 16;
export const TEXTURE_MAX = 239;

/** Circular 1-D Gaussian blur along rows (stride 1) or columns (stride = width), in place via `tmp`. */
function blurPeriodic(src: Float64Array, tmp: Float64Array, w: number, h: number, sigma: number): void {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let ksum = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = Math.exp((-k * k) / (2 * sigma * sigma));
    kernel[k + radius] = v;
    ksum += v;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= ksum;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++)
        acc += kernel[k + radius]! * src[y * w + ((((x + k) % w) + w) % w)]!;
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++)
        acc += kernel[k + radius]! * tmp[((((y + k) % h) + h) % h) * w + x]!;
      src[y * w + x] = acc;
    }
  }
}

/** Band-limited random texture: Gaussian noise per channel, periodic Gaussian blur, rescaled and clamped. */
export function bandLimitedTexture(opts: TextureOptions): Texture {
  const { width: w, height: h, seed } = opts;
  const sigma = opts.sigma ?? 2;
  const mean = opts.mean ?? [128, 128, 128];
  const std = opts.std ?? 20;
  const gauss = gaussianSource(mulberry32(seed));
  const n = w * h;
  const rgb = new Uint8Array(n * 3);
  const plane = new Float64Array(n);
  const tmp = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) plane[i] = gauss();
    if (sigma > 0) blurPeriodic(plane, tmp, w, h, sigma);
    let m = 0;
    for (let i = 0; i < n; i++) m += plane[i]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (plane[i]! - m) ** 2;
    const scale = std / Math.sqrt(v / n || 1);
    for (let i = 0; i < n; i++) {
      const q = Math.round(mean[c]! + (plane[i]! - m) * scale);
      rgb[i * 3 + c] = Math.min(TEXTURE_MAX, Math.max(TEXTURE_MIN, q));
    }
  }
  return { width: w, height: h, rgb };
}

/** A FrameView over the given rgb24 bytes (the same construction the decoder uses). */
export function frameView(index: number, width: number, height: number, rgb: Uint8Array): FrameView {
  return new FrameView({ index, width, height, format: 'rgb24', data: rgb });
}

/** A uniformly coloured frame. */
export function solidFrame(
  index: number,
  width: number,
  height: number,
  color: readonly [number, number, number],
) {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = color[0];
    rgb[i + 1] = color[1];
    rgb[i + 2] = color[2];
  }
  return frameView(index, width, height, rgb);
}

/**
 * The texture rolled by (dx, dy) — content moves left/up as dx/dy grow — plus a brightness offset
 * (clamped to 0..255). Output has the texture's size.
 */
export function shiftedFrame(tex: Texture, index: number, dx: number, dy: number, brightness = 0): FrameView {
  const { width: w, height: h } = tex;
  const out = new Uint8Array(w * h * 3);
  const ox = ((Math.round(dx) % w) + w) % w;
  const oy = ((Math.round(dy) % h) + h) % h;
  for (let y = 0; y < h; y++) {
    const sy = (y + oy) % h;
    for (let x = 0; x < w; x++) {
      const s = (sy * w + ((x + ox) % w)) * 3;
      const d = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) out[d + c] = Math.min(255, Math.max(0, tex.rgb[s + c]! + brightness));
    }
  }
  return frameView(index, w, h, out);
}

/** n identical frames. */
export function staticClip(tex: Texture, n: number): FrameView[] {
  return Array.from({ length: n }, (_, t) => shiftedFrame(tex, t, 0, 0));
}

export interface PanOptions {
  /** 'x' (default) pans horizontally, 'y' vertically, 'xy' diagonally. */
  axis?: 'x' | 'y' | 'xy';
  /** Hold each position for two frames, moving 2·v every other frame: the same mean speed, jerky. */
  judder?: boolean;
}

/** Position of frame t of a pan at v px/frame (judder: 0, 0, 2v, 2v, 4v, …). */
export function panPosition(t: number, v: number, judder: boolean): number {
  return judder ? Math.floor(t / 2) * 2 * v : t * v;
}

/** A pan over the texture at `v` px/frame. */
export function panClip(tex: Texture, n: number, v: number, opts: PanOptions = {}): FrameView[] {
  const axis = opts.axis ?? 'x';
  return Array.from({ length: n }, (_, t) => {
    const p = panPosition(t, v, opts.judder ?? false);
    return shiftedFrame(tex, t, axis === 'y' ? 0 : p, axis === 'x' ? 0 : p);
  });
}

/** A static texture whose brightness alternates +a, −a, +a, … (so consecutive frames differ by 2a). */
export function flickerClip(tex: Texture, n: number, amplitude: number): FrameView[] {
  return Array.from({ length: n }, (_, t) =>
    shiftedFrame(tex, t, 0, 0, t % 2 === 0 ? amplitude : -amplitude),
  );
}

/** `n` frames: `a` (static) before frame `cutAt`, then `b` (static). */
export function hardCutClip(a: Texture, b: Texture, n: number, cutAt: number): FrameView[] {
  return Array.from({ length: n }, (_, t) => shiftedFrame(t < cutAt ? a : b, t, 0, 0));
}
