import { describe, expect, it } from 'vitest';
import {
  blockMeanColors,
  deltaE2000,
  meanBlockDeltaE,
  srgbToLab,
} from '../../../src/metrics/kernels/color.js';

describe('colour difference kernels', () => {
  it('CIEDE2000 matches Sharma, Wu & Dalal (2005) test data', () => {
    const cases: [number[], number[], number][] = [
      [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
      [[50, 0, 0], [50, -1, 2], 2.3669],
      [[50, 2.5, 0], [73, 25, -18], 27.1492],
      [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
      [[50, 2.5, 0], [50, 0, -2.5], 4.3065],
      [[2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
    ];
    for (const [p, q, want] of cases) {
      const lab = (v: number[]) => ({ l: v[0]!, a: v[1]!, b: v[2]! });
      expect(deltaE2000(lab(p), lab(q))).toBeCloseTo(want, 4);
      expect(deltaE2000(lab(q), lab(p))).toBeCloseTo(want, 4); // symmetric
    }
  });

  it('sRGB to CIELAB (D65) at the primaries and white', () => {
    const white = srgbToLab(255, 255, 255);
    expect(white.l).toBeCloseTo(100, 2);
    expect(Math.abs(white.a)).toBeLessThan(0.01);
    expect(Math.abs(white.b)).toBeLessThan(0.01);
    const red = srgbToLab(255, 0, 0);
    expect(red.l).toBeCloseTo(53.24, 1);
    expect(red.a).toBeCloseTo(80.09, 1);
    expect(red.b).toBeCloseTo(67.2, 1);
    expect(srgbToLab(0, 0, 0).l).toBeCloseTo(0, 6);
  });

  it('tile colours average grain away but keep a colour shift', () => {
    const w = 16;
    const h = 16;
    const flat = new Uint8Array(w * h * 3).fill(120);
    const grain = flat.map((v, i) => v + ((i * 7919) % 2 === 0 ? 6 : -6));
    const shifted = flat.map((v, i) => (i % 3 === 0 ? v + 18 : v - 8));
    const base = blockMeanColors(flat, w, h, 8);
    expect(meanBlockDeltaE(base, blockMeanColors(grain, w, h, 8))).toBeLessThan(0.05);
    expect(meanBlockDeltaE(base, blockMeanColors(shifted, w, h, 8))).toBeGreaterThan(5);
    expect(meanBlockDeltaE(base, base)).toBe(0);
  });
});
