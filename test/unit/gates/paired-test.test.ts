import { describe, expect, it } from 'vitest';
import { holmAdjust, type PairedTestOptions, pairedTest } from '../../../src/gates/paired-test.js';

const T_OPTS: PairedTestOptions = {
  method: 't',
  confidence: 0.95,
  min_absolute_change: 0,
  min_relative_change: 0,
  baselineMean: 1,
};

/** Closed-form Student t CDFs, independent of the incomplete-beta implementation. */
function cdfDf4(t: number): number {
  const x = 4 / (4 + t * t);
  return 0.5 + 0.5 * Math.sign(t) * Math.sqrt(1 - x) * (1 + x / 2);
}
function cdfDf5(t: number): number {
  const th = Math.atan(t / Math.sqrt(5));
  const c = Math.cos(th);
  return 0.5 + (th + Math.sin(th) * c * (1 + (2 / 3) * c * c)) / Math.PI;
}

describe('pairedTest, t method', () => {
  it('matches the hand-computed one-sample t test on 1..5', () => {
    const r = pairedTest([1, 2, 3, 4, 5], T_OPTS);
    expect(r.mean).toBe(3);
    expect(r.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(r.df).toBe(4);
    const t = 3 / (Math.sqrt(2.5) / Math.sqrt(5));
    expect(r.t).toBeCloseTo(t, 12); // 4.242641
    expect(r.p_value).toBeCloseTo(2 * (1 - cdfDf4(t)), 12); // 0.01324 (scipy ttest_1samp)
    expect(r.p_value).toBeCloseTo(0.01324, 5);
    // t(0.975, 4) = 2.776 in printed tables.
    const half = r.ci[1] - r.mean;
    expect(half / (Math.sqrt(2.5) / Math.sqrt(5))).toBeCloseTo(2.776445, 5);
    expect(r.mean - r.ci[0]).toBeCloseTo(half, 12);
    expect(r.significant).toBe(true);
    expect(r.regressed).toBe(false);
    expect(r.improved).toBe(true);
  });

  it('detects a regression on a hand case with df 5', () => {
    const d = [-0.02, -0.01, -0.03, 0.0, -0.015, -0.025];
    const r = pairedTest(d, T_OPTS);
    const mean = -0.1 / 6;
    const sd = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / 5);
    const t = mean / (sd / Math.sqrt(6));
    expect(r.mean).toBeCloseTo(mean, 14);
    expect(r.t).toBeCloseTo(t, 10); // −3.7796
    expect(r.t).toBeCloseTo(-3.7796, 4);
    expect(r.p_value).toBeCloseTo(2 * cdfDf5(t), 12);
    expect(r.significant).toBe(true);
    expect(r.regressed).toBe(true);
    expect(r.ci[1]).toBeLessThan(0);
    // 99.9% confidence: t(0.9995, 5) = 6.869 > |t|, so the interval now includes 0.
    const strict = pairedTest(d, { ...T_OPTS, confidence: 0.999 });
    expect(strict.significant).toBe(false);
    expect(strict.regressed).toBe(false);
  });

  it('requires both magnitude floors (Perfherder / Otava principle)', () => {
    const d = [-0.02, -0.01, -0.03, 0.0, -0.015, -0.025]; // mean −0.0167, significant
    expect(pairedTest(d, { ...T_OPTS, min_absolute_change: 0.02 }).regressed).toBe(false);
    // Relative floor 2% of a baseline mean of 1.0 is 0.02 > 0.0167.
    const rel = pairedTest(d, { ...T_OPTS, min_relative_change: 0.02, baselineMean: 1 });
    expect(rel.significant).toBe(true);
    expect(rel.magnitude_ok).toBe(false);
    expect(rel.regressed).toBe(false);
    const both = pairedTest(d, {
      ...T_OPTS,
      min_absolute_change: 0.01,
      min_relative_change: 0.01,
      baselineMean: 1,
    });
    expect(both.magnitude_ok).toBe(true);
    expect(both.regressed).toBe(true);
  });

  it('handles too few pairs and zero variance without inventing significance', () => {
    const one = pairedTest([-5], T_OPTS);
    expect(one.significant).toBe(false);
    expect(one.ci).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect(pairedTest([], T_OPTS).regressed).toBe(false);
    const zeros = pairedTest([0, 0, 0], T_OPTS);
    expect(zeros.p_value).toBe(1);
    expect(zeros.significant).toBe(false);
    const constant = pairedTest([-0.1, -0.1, -0.1], T_OPTS);
    expect(constant.ci).toEqual([-0.1, -0.1]);
    expect(constant.regressed).toBe(true);
  });

  it('rejects non-finite deltas and bad options', () => {
    expect(() => pairedTest([1, Number.NaN], T_OPTS)).toThrow(/not finite/);
    expect(() => pairedTest([1, 2], { ...T_OPTS, confidence: 1 })).toThrow(/confidence/);
  });
});

describe('pairedTest, bootstrap method', () => {
  // 40 deltas with a clear negative mean, generated once with a fixed pattern (no randomness in the data).
  const d = Array.from({ length: 40 }, (_, i) => -0.01 + 0.01 * Math.sin(i * 1.7));
  const opts: PairedTestOptions = { ...T_OPTS, method: 'bootstrap', seed: 7, iterations: 4000 };

  it('is reproducible for a seed and agrees with the t interval on well-behaved data', () => {
    const a = pairedTest(d, opts);
    const b = pairedTest(d, opts);
    expect(a).toEqual(b);
    const t = pairedTest(d, T_OPTS);
    expect(a.mean).toBe(t.mean);
    // The percentile interval is a little narrower than t's for n = 40, within 15% in width.
    const wA = a.ci[1] - a.ci[0];
    const wT = t.ci[1] - t.ci[0];
    expect(Math.abs(wA - wT) / wT).toBeLessThan(0.15);
    expect(a.regressed).toBe(true);
    expect(a.p_value).toBeLessThan(0.001);
  });

  it('gives a large p-value when the mean is near zero', () => {
    const centred = d.map((x) => x + 0.01);
    const r = pairedTest(centred, opts);
    expect(r.significant).toBe(false);
    expect(r.p_value).toBeGreaterThan(0.2);
  });
});

describe('holmAdjust', () => {
  it('matches the textbook example (R p.adjust method "holm")', () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    for (const [i, v] of [0.03, 0.06, 0.06, 0.02].entries()) expect(adj[i]).toBeCloseTo(v, 12);
  });

  it('caps at 1, keeps order, and handles the empty list', () => {
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
    expect(() => holmAdjust([1.2])).toThrow(RangeError);
  });
});
