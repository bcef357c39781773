import { describe, expect, it } from 'vitest';
import { meanAbsDiff } from '../../../src/metrics/kernels/mad.js';
import {
  bandLimitedTexture,
  flickerClip,
  hardCutClip,
  mulberry32,
  panClip,
  panPosition,
  shiftedFrame,
  TEXTURE_MAX,
  TEXTURE_MIN,
} from '../../support/synthetic.js';

describe('synthetic clip builders', () => {
  it('the PRNG is deterministic per seed and uniform-looking', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('textures have the requested statistics, stay inside the clamp range and depend on the seed', () => {
    const t = bandLimitedTexture({ width: 128, height: 128, seed: 9 });
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < t.rgb.length; i += 3) {
      sum += t.rgb[i]!;
      sq += t.rgb[i]! ** 2;
    }
    const n = t.rgb.length / 3;
    const std = Math.sqrt(sq / n - (sum / n) ** 2);
    expect(sum / n).toBeCloseTo(128, 0);
    expect(std).toBeGreaterThan(19);
    expect(std).toBeLessThan(21);
    expect(Math.min(...t.rgb)).toBeGreaterThanOrEqual(TEXTURE_MIN);
    expect(Math.max(...t.rgb)).toBeLessThanOrEqual(TEXTURE_MAX);
    expect(bandLimitedTexture({ width: 128, height: 128, seed: 9 }).rgb).toEqual(t.rgb);
    expect(bandLimitedTexture({ width: 128, height: 128, seed: 10 }).rgb).not.toEqual(t.rgb);
  });

  it('pans are periodic rolls; judder holds each position for two frames', () => {
    const t = bandLimitedTexture({ width: 64, height: 32, seed: 1 });
    expect(shiftedFrame(t, 0, 64, 32).rgb).toEqual(shiftedFrame(t, 0, 0, 0).rgb);
    expect([0, 1, 2, 3, 4].map((i) => panPosition(i, 3, true))).toEqual([0, 0, 6, 6, 12]);
    const frames = panClip(t, 3, 5);
    // Frame 1 is frame 0 moved 5 px left: pixel x of frame 1 equals pixel x + 5 of frame 0.
    expect(frames[1]!.rgb.subarray(0, 3)).toEqual(frames[0]!.rgb.subarray(15, 18));
  });

  it('flicker alternates ±a without clipping; a hard cut switches content at the given frame', () => {
    const t = bandLimitedTexture({ width: 32, height: 32, seed: 2 });
    const f = flickerClip(t, 3, 4);
    expect(meanAbsDiff(f[0]!.rgb, f[1]!.rgb)).toBe(8);
    const u = bandLimitedTexture({ width: 32, height: 32, seed: 3 });
    const cut = hardCutClip(t, u, 4, 2);
    expect(cut[1]!.rgb).toEqual(t.rgb);
    expect(cut[2]!.rgb).toEqual(u.rgb);
  });
});
