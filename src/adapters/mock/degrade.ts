import { mixSeeds, Rng } from './rng.js';

/**
 * The regressions a real video model shows, as pure operations on float rgb frames (0..255) and on the
 * frame timeline. `index.ts` maps the adapter params onto a `Degradation` with `resolveDegradation`.
 */
export interface Degradation {
  /** Per-frame Gaussian grain σ, 8-bit levels, independent per pixel, channel and frame. */
  noiseSigma: number;
  /** Gaussian blur σ in px (separable), applied to the rendered picture. */
  blurSigma: number;
  /** Global brightness offset of +flicker on even frames and −flicker on odd frames, levels. */
  flicker: number;
  /** Constant per-channel offsets [r, g, b], levels. */
  colorShift: readonly [number, number, number];
  /** Tone curve 255·(v/255)^(1/gamma) on every channel (1 = none; 1.02 is a barely visible brightening). */
  gamma: number;
  /** Each rendered scene time is held for this many frames (1 = smooth). */
  judder: number;
  /** Share of frames (excluding frame 0) replaced by an exact copy of their predecessor. */
  dropShare: number;
  /** Every frame after this index is an exact copy of it; undefined = never freezes. */
  freezeAfter: number | undefined;
}

export interface DegradationParams {
  quality_shift: number;
  noise_scale: number;
  noise: number;
  flicker: number;
  judder: number;
  drop_frames: number;
  blur: number;
  freeze_after?: number | undefined;
  color_shift: readonly [number, number, number];
  gamma: number;
}

/**
 * Combines the params into one degradation. Independent grain sources add in quadrature:
 * σ_noise = √((25·noise_scale)² + noise² + (12·max(0, −quality_shift))²), and likewise
 * σ_blur = √(blur² + (1.5·max(0, −quality_shift))²). A positive quality_shift changes nothing.
 */
export function resolveDegradation(p: DegradationParams): Degradation {
  const worse = Math.max(0, -p.quality_shift);
  return {
    noiseSigma: Math.hypot(25 * p.noise_scale, p.noise, 12 * worse),
    blurSigma: Math.hypot(p.blur, 1.5 * worse),
    flicker: p.flicker,
    colorShift: p.color_shift,
    gamma: p.gamma,
    judder: p.judder,
    dropShare: p.drop_frames,
    freezeAfter: p.freeze_after,
  };
}

/** Marks an output frame that repeats the previous output frame byte for byte. */
export const REPEAT = -1;

/**
 * For each output frame, the scene time to render, or REPEAT. Judder quantises time to multiples of k
 * (held pictures are identical except for flicker, which is per displayed frame); freezing and dropped frames repeat the
 * previous output exactly, like a stuck decoder. Dropped positions are a seeded shuffle of frames 1..n−1,
 * so exactly round(share·(n−1)) frames are dropped.
 */
export function planTimeline(numFrames: number, d: Degradation, seed: number): Int32Array {
  const plan = new Int32Array(numFrames);
  for (let t = 0; t < numFrames; t++) plan[t] = Math.floor(t / d.judder) * d.judder;
  const candidates = Array.from({ length: Math.max(0, numFrames - 1) }, (_, i) => i + 1);
  const rng = new Rng(mixSeeds(seed, 0xd409));
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = candidates[i]!;
    candidates[i] = candidates[j]!;
    candidates[j] = tmp;
  }
  const dropped = Math.round(d.dropShare * candidates.length);
  for (let i = 0; i < dropped; i++) plan[candidates[i]!] = REPEAT;
  if (d.freezeAfter !== undefined) {
    for (let t = d.freezeAfter + 1; t < numFrames; t++) plan[t] = REPEAT;
  }
  return plan;
}

/**
 * Applies the per-frame picture degradations in the order a pipeline would: blur (optics/upsampling), then
 * colour shift and flicker (global tone), the tone curve (gamma), then grain. Grain is seeded by the scene time, so a juddered
 * (held) picture keeps its grain like a duplicated frame does; flicker follows the output frame index, so
 * it alternates on every displayed frame. `scratch` must be as large as `frame`.
 */
export function degradeFrame(
  frame: Float32Array,
  width: number,
  height: number,
  frameIndex: number,
  sceneTime: number,
  d: Degradation,
  seed: number,
  scratch: Float32Array,
): void {
  if (d.blurSigma > 0) gaussianBlur(frame, width, height, d.blurSigma, scratch);
  const sign = frameIndex % 2 === 0 ? 1 : -1;
  const offset = d.flicker * sign;
  const [r, g, b] = d.colorShift;
  if (offset !== 0 || r !== 0 || g !== 0 || b !== 0) addOffsets(frame, r + offset, g + offset, b + offset);
  if (d.gamma !== 1) applyGamma(frame, d.gamma);
  if (d.noiseSigma > 0) addGrain(frame, d.noiseSigma, new Rng(mixSeeds(seed, 0x6a41, sceneTime)));
}

function addOffsets(frame: Float32Array, r: number, g: number, b: number): void {
  for (let i = 0; i < frame.length; i += 3) {
    frame[i] = frame[i]! + r;
    frame[i + 1] = frame[i + 1]! + g;
    frame[i + 2] = frame[i + 2]! + b;
  }
}

/** A display-style tone curve on 0..255 values; values outside the range are clamped first. */
export function applyGamma(frame: Float32Array, gamma: number): void {
  const inv = 1 / gamma;
  for (let i = 0; i < frame.length; i++) {
    const v = Math.min(255, Math.max(0, frame[i]!));
    frame[i] = 255 * (v / 255) ** inv;
  }
}

/**
 * Gaussian grain. Box–Muller per value costs a log, a sqrt and a sine, which dominated rendering; instead
 * each 32-bit random number picks two entries of a table of 65 536 standard-normal draws, normalised to an
 * exact mean 0 and σ 1 so the requested σ holds precisely.
 */
function addGrain(frame: Float32Array, sigma: number, rng: Rng): void {
  const table = gaussTable();
  const n = frame.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const bits = rng.nextUint32();
    frame[i] = frame[i]! + sigma * table[bits & 0xffff]!;
    frame[i + 1] = frame[i + 1]! + sigma * table[bits >>> 16]!;
  }
  if (i < n) frame[i] = frame[i]! + sigma * table[rng.nextUint32() & 0xffff]!;
}

let gaussTableCache: Float32Array | undefined;

function gaussTable(): Float32Array {
  if (gaussTableCache !== undefined) return gaussTableCache;
  const rng = new Rng(0x9e3779b9);
  const values = new Float64Array(65536);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = rng.gauss();
    sum += values[i]!;
  }
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  const std = Math.sqrt(sq / values.length);
  const table = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) table[i] = (values[i]! - mean) / std;
  gaussTableCache = table;
  return table;
}

/** Normalised 1-D Gaussian kernel with radius ⌈3σ⌉. */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  return k;
}

/**
 * Separable Gaussian blur of packed rgb in place, edges clamped (replicated). The horizontal pass reads a
 * border-padded copy of each row and the vertical pass accumulates whole rows, so neither inner loop
 * branches or strides through memory (a 512² frame at σ = 2 blurs in a few milliseconds).
 */
export function gaussianBlur(
  frame: Float32Array,
  width: number,
  height: number,
  sigma: number,
  scratch: Float32Array,
): void {
  const k = gaussianKernel(sigma);
  const radius = (k.length - 1) / 2;
  const stride = width * 3;
  const padded = new Float32Array((width + 2 * radius) * 3);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    padded.set(frame.subarray(row, row + stride), radius * 3);
    for (let i = 0; i < radius; i++) {
      padded.copyWithin(i * 3, radius * 3, radius * 3 + 3);
      padded.copyWithin((radius + width + i) * 3, (radius + width - 1) * 3, (radius + width) * 3);
    }
    for (let o = 0; o < stride; o++) {
      let acc = 0;
      for (let i = 0, s = o; i < k.length; i++, s += 3) acc += k[i]! * padded[s]!;
      scratch[row + o] = acc;
    }
  }
  const rows = new Int32Array(k.length);
  for (let y = 0; y < height; y++) {
    for (let i = -radius; i <= radius; i++) {
      rows[i + radius] = (y + i < 0 ? 0 : y + i >= height ? height - 1 : y + i) * stride;
    }
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      let acc = 0;
      for (let i = 0; i < k.length; i++) acc += k[i]! * scratch[rows[i]! + x]!;
      frame[row + x] = acc;
    }
  }
}
