import { describe, expect, it } from 'vitest';
import {
  normalCdf,
  normalQuantile,
  regularizedBeta,
  studentTCdf,
  studentTQuantile,
} from '../../../src/stats/distributions.js';
import { createRng } from '../../../src/stats/random.js';

describe('normal distribution', () => {
  it('CDF matches reference values, including far tails', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    // Relative accuracy in the tail: Φ(−5) = 2.866515718791939e-7, Φ(−10) = 7.619853024160527e-24.
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 12);
    expect(normalCdf(-10) / 7.619853024160527e-24).toBeCloseTo(1, 12);
  });

  it('quantile inverts the CDF and matches z tables', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446004, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 14);
    for (const p of [1e-12, 1e-6, 0.001, 0.02425, 0.3, 0.7, 0.99, 0.999999]) {
      const x = normalQuantile(p);
      const back = p < 0.5 ? normalCdf(x) : 1 - normalCdf(-x);
      expect(Math.abs(back - p) / Math.min(p, 1 - p)).toBeLessThan(1e-9);
    }
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(normalQuantile(1.5))).toBe(true);
  });
});

describe('Student t distribution', () => {
  it('CDF matches closed forms for df 1, 2 and 10', () => {
    const even10 = (t: number) => {
      const x = 10 / (10 + t * t);
      let c = 1;
      let s = 0;
      let xp = 1;
      for (let k = 0; k < 5; k++) {
        s += c * xp;
        xp *= x;
        c *= (2 * k + 1) / (2 * k + 2);
      }
      return 0.5 + 0.5 * Math.sign(t) * Math.sqrt(1 - x) * s;
    };
    for (const t of [-12.7, -3, -0.5, 0, 0.5, 1, 2.2, 5, 40]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
      expect(studentTCdf(t, 10)).toBeCloseTo(even10(t), 13);
    }
  });

  it('quantiles match printed tables and invert the CDF', () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706205, 6);
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.032143, 6);
    expect(studentTQuantile(0.95, 30)).toBeCloseTo(1.697261, 6);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228139, 6);
    for (const df of [1, 3, 7.5, 100]) {
      for (const p of [0.001, 0.2, 0.9, 0.9999])
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 11);
    }
    // Large df approaches the normal.
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
  });

  it('regularised incomplete beta matches I_x(a,1) = x^a and a tabled value', () => {
    for (const x of [0.1, 0.5, 0.9]) expect(regularizedBeta(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 14);
    expect(regularizedBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 13);
  });
});

describe('seeded random generator', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
    for (const u of sa) expect(u >= 0 && u < 1).toBe(true);
  });

  it('normal and Student-t draws follow their distributions (empirical CDF within 4 SE)', () => {
    const rng = createRng(2024);
    const n = 100_000;
    const normals = Array.from({ length: n }, () => rng.normal());
    const ts = Array.from({ length: n }, () => rng.studentT(3));
    for (const x of [-1.5, 0, 0.7, 2]) {
      const pN = normalCdf(x);
      const pT = studentTCdf(x, 3);
      const empN = normals.filter((v) => v <= x).length / n;
      const empT = ts.filter((v) => v <= x).length / n;
      expect(Math.abs(empN - pN)).toBeLessThan(4 * Math.sqrt((pN * (1 - pN)) / n));
      expect(Math.abs(empT - pT)).toBeLessThan(4 * Math.sqrt((pT * (1 - pT)) / n));
    }
    const mean = normals.reduce((s, v) => s + v, 0) / n;
    const variance = normals.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(variance).toBeGreaterThan(0.98);
    expect(variance).toBeLessThan(1.02);
  });

  it('int stays in range', () => {
    const rng = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(() => rng.int(0)).toThrow(RangeError);
  });
});
