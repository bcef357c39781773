import { describe, expect, it } from 'vitest';
import {
  applyGamma,
  gaussianBlur,
  gaussianKernel,
  planTimeline,
  REPEAT,
  resolveDegradation,
} from '../../../src/adapters/mock/degrade.js';
import { mockParamsSchema } from '../../../src/adapters/mock/params.js';
import {
  channelMean,
  equalBytes,
  key,
  laplacianVariance,
  mean,
  renderAll,
  vbenchFlicker,
} from './mock-helpers.js';

const W = 96;
const H = 64;
const k = key();

function temporalMad(frames: Uint8Array[]): number {
  return (1 - vbenchFlicker(frames)) * 255;
}

function sharpness(frames: Uint8Array[]): number {
  return frames.reduce((s, f) => s + laplacianVariance(f, W, H), 0) / frames.length;
}

describe('mock degradations: timeline', () => {
  it('judder k=2 holds each picture for two frames', () => {
    const frames = renderAll(k, { judder: 2 });
    for (let t = 0; t + 1 < frames.length; t += 2) {
      expect(equalBytes(frames[t]!, frames[t + 1]!)).toBe(true);
      if (t + 2 < frames.length) expect(equalBytes(frames[t + 1]!, frames[t + 2]!)).toBe(false);
    }
    // The held picture is the one rendered at the even time.
    expect(equalBytes(frames[4]!, renderAll(k)[4]!)).toBe(true);
  });

  it('freeze_after repeats the frame at that index to the end', () => {
    const frames = renderAll(k, { freeze_after: 9 });
    expect(equalBytes(frames[9]!, frames[8]!)).toBe(false);
    for (let t = 10; t < frames.length; t++) expect(equalBytes(frames[t]!, frames[9]!)).toBe(true);
    expect(equalBytes(frames[9]!, renderAll(k)[9]!)).toBe(true);
  });

  it('drop_frames duplicates exactly round(share·(n−1)) frames, at the same positions every run', () => {
    const n = 25;
    const kk = key({ video: { width: W, height: H, fps: 24, num_frames: n } });
    const frames = renderAll(kk, { drop_frames: 0.25 });
    const dupes = frames.map((f, t) => t > 0 && equalBytes(f, frames[t - 1]!)).filter(Boolean).length;
    expect(dupes).toBe(6);
    const again = renderAll(kk, { drop_frames: 0.25 });
    expect(again.every((f, t) => equalBytes(f, frames[t]!))).toBe(true);
    expect(renderAll(kk).filter((f, t) => t > 0 && equalBytes(f, renderAll(kk)[t - 1]!))).toHaveLength(0);
  });

  it('plans frame 0 as rendered and combines judder, drops and freezes', () => {
    const d = resolveDegradation(mockParamsSchema.parse({ judder: 3, drop_frames: 1, freeze_after: 4 }));
    const plan = Array.from(planTimeline(8, d, 1));
    expect(plan[0]).toBe(0);
    expect(plan.slice(1).every((v) => v === REPEAT)).toBe(true);
    const j = resolveDegradation(mockParamsSchema.parse({ judder: 3 }));
    expect(Array.from(planTimeline(8, j, 1))).toEqual([0, 0, 0, 3, 3, 3, 6, 6]);
  });
});

describe('mock degradations: picture', () => {
  it('flicker alternates the mean brightness by ±amplitude', () => {
    const base = renderAll(k, { noise_scale: 0 });
    const flick = renderAll(k, { noise_scale: 0, flicker: 6 });
    for (let t = 0; t < base.length; t++) {
      const delta = mean(flick[t]!) - mean(base[t]!);
      // A few saturated pixels clip, so allow a small shortfall.
      expect(Math.abs(delta - (t % 2 === 0 ? 6 : -6))).toBeLessThan(0.5);
    }
  });

  it('noise raises the mean absolute difference between consecutive frames', () => {
    const clean = temporalMad(renderAll(k, { noise_scale: 0 }));
    const noisy = temporalMad(renderAll(k, { noise_scale: 0, noise: 8 }));
    // Two independent N(0, 8) draws differ by 8·√2·√(2/π) ≈ 9 levels on average.
    expect(noisy - clean).toBeGreaterThan(6);
  });

  it('noise_scale sets the grain σ at 25 levels per unit, monotonically', () => {
    const clean = renderAll(k, { noise_scale: 0 });
    const residualStd = (scale: number): number => {
      const f = renderAll(k, { noise_scale: scale })[3]!;
      let s2 = 0;
      for (let i = 0; i < f.length; i++) s2 += (f[i]! - clean[3]![i]!) ** 2;
      return Math.sqrt(s2 / f.length);
    };
    expect(residualStd(0.2)).toBeGreaterThan(4.6);
    expect(residualStd(0.2)).toBeLessThan(5.3);
    const mads = [0, 0.06, 0.2, 0.5].map((s) => temporalMad(renderAll(k, { noise_scale: s })));
    for (let i = 1; i < mads.length; i++) expect(mads[i]!).toBeGreaterThan(mads[i - 1]!);
  });

  it('blur lowers the variance of the Laplacian, more for a larger σ', () => {
    const sharp = sharpness(renderAll(k, { noise_scale: 0 }));
    const soft = sharpness(renderAll(k, { noise_scale: 0, blur: 1 }));
    const softer = sharpness(renderAll(k, { noise_scale: 0, blur: 3 }));
    expect(soft).toBeLessThan(sharp * 0.7);
    expect(softer).toBeLessThan(soft);
  });

  it('color_shift offsets each channel', () => {
    const base = renderAll(k, { noise_scale: 0 })[2]!;
    const shifted = renderAll(k, { noise_scale: 0, color_shift: [20, 0, -15] })[2]!;
    expect(channelMean(shifted, 0) - channelMean(base, 0)).toBeGreaterThan(18);
    expect(channelMean(shifted, 1)).toBeCloseTo(channelMean(base, 1), 6);
    expect(channelMean(base, 2) - channelMean(shifted, 2)).toBeGreaterThan(13);
  });

  it('gamma brightens mid-tones slightly and keeps black and white', () => {
    const base = renderAll(k, { noise_scale: 0 })[2]!;
    const brighter = renderAll(k, { noise_scale: 0, gamma: 1.02 })[2]!;
    const lift = channelMean(brighter, 1) - channelMean(base, 1);
    expect(lift).toBeGreaterThan(0.3);
    expect(lift).toBeLessThan(3);
    const f = new Float32Array([0, 127.5, 255]);
    applyGamma(f, 1.02);
    expect(f[0]).toBe(0);
    expect(f[1]).toBeCloseTo(255 * 0.5 ** (1 / 1.02), 3);
    expect(f[2]).toBeCloseTo(255, 3);
  });

  it('quality_shift < 0 adds grain and blur monotonically; > 0 changes nothing', () => {
    const qs = [0, -0.5, -1, -2];
    const mads = qs.map((q) => temporalMad(renderAll(k, { quality_shift: q })));
    // The added grain dominates any pixel sharpness measure, so the blur share is checked on the plan.
    const blur = qs.map((q) => resolveDegradation(mockParamsSchema.parse({ quality_shift: q })).blurSigma);
    for (let i = 1; i < qs.length; i++) {
      expect(mads[i]!).toBeGreaterThan(mads[i - 1]!);
      expect(blur[i]!).toBeGreaterThan(blur[i - 1]!);
    }
    const plus = renderAll(k, { quality_shift: 1.5 });
    expect(plus.every((f, t) => equalBytes(f, renderAll(k)[t]!))).toBe(true);
    expect(resolveDegradation(mockParamsSchema.parse({ quality_shift: -1 }))).toMatchObject({
      noiseSigma: Math.hypot(1.5, 12),
      blurSigma: 1.5,
    });
  });
});

describe('mock degradations: kernels', () => {
  it('builds a normalised symmetric Gaussian kernel', () => {
    const g = gaussianKernel(1.5);
    expect(g.length).toBe(11);
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(g[0]).toBeCloseTo(g[10]!, 7);
    expect(g[5]!).toBeGreaterThan(g[4]!);
  });

  it('blur preserves a constant image and spreads an impulse', () => {
    const w = 9;
    const h = 7;
    const flat = new Float32Array(w * h * 3).fill(100);
    gaussianBlur(flat, w, h, 2, new Float32Array(flat.length));
    expect(flat.every((v) => Math.abs(v - 100) < 1e-3)).toBe(true);
    const impulse = new Float32Array(w * h * 3);
    impulse[(3 * w + 4) * 3 + 1] = 255;
    gaussianBlur(impulse, w, h, 1, new Float32Array(impulse.length));
    const g = Array.from({ length: w * h }, (_, i) => impulse[i * 3 + 1]!);
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(255, 2);
    expect(g[3 * w + 4]!).toBeLessThan(255 / 4);
    expect(g[3 * w + 5]!).toBeCloseTo(g[3 * w + 3]!, 4);
    expect(impulse[(3 * w + 4) * 3]).toBe(0);
  });
});
