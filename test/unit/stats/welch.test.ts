import { describe, expect, it } from 'vitest';
import { welchTest } from '../../../src/stats/welch.js';

describe('Welch two-sample t-test', () => {
  it('matches the textbook example (t, Welch–Satterthwaite df, two-sided p)', () => {
    const r = welchTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10], 0.95);
    expect(r.diff).toBe(-3);
    expect(r.t).toBeCloseTo(-1.897367, 5);
    expect(r.df).toBeCloseTo(5.882353, 5);
    expect(r.p_value).toBeCloseTo(0.1075, 3);
    expect(r.ci[0]).toBeLessThan(0);
    expect(r.ci[1]).toBeGreaterThan(0);
  });

  it('is certain about constant sets and silent without spread', () => {
    expect(welchTest([1, 1, 1], [1, 1, 1], 0.95).p_value).toBe(1);
    expect(welchTest([2, 2, 2], [1, 1, 1], 0.95).p_value).toBe(0);
    expect(welchTest([1], [1, 2, 3], 0.95).p_value).toBe(1);
  });
});
