import { describe, expect, it } from 'vitest';
import { bestSplit, eDivisive } from '../../../src/report/changepoint.js';
import { createRng } from '../../../src/stats/random.js';

describe('E-divisive change points', () => {
  it('finds the step of a level shift (1.0 then 0.5, as in Otava analysis_test)', () => {
    const rng = createRng(7);
    const series = [
      ...Array.from({ length: 10 }, () => 1 + (rng.next() - 0.5) * 0.02),
      ...Array.from({ length: 10 }, () => 0.5 + (rng.next() - 0.5) * 0.02),
    ];
    const cps = eDivisive(series);
    expect(cps.map((c) => c.index)).toEqual([10]);
    expect(cps[0]!.relativeChange).toBeLessThan(-0.4);
    expect(cps[0]!.pValue).toBeLessThanOrEqual(0.05);
  });

  it('finds two shifts and none in noise', () => {
    const rng = createRng(3);
    const noise = () => (rng.next() - 0.5) * 0.01;
    const two = [
      ...Array.from({ length: 8 }, () => 0.9 + noise()),
      ...Array.from({ length: 8 }, () => 0.8 + noise()),
      ...Array.from({ length: 8 }, () => 0.95 + noise()),
    ];
    expect(eDivisive(two).map((c) => c.index)).toEqual([8, 16]);
    const flat = Array.from({ length: 24 }, () => 0.9 + noise());
    expect(eDivisive(flat)).toEqual([]);
  });

  it('drops significant but tiny shifts below the magnitude floor', () => {
    const series = [...Array(10).fill(1), ...Array(10).fill(1.001)];
    expect(eDivisive(series).length).toBe(0);
    expect(eDivisive(series, { minMagnitude: 0 }).map((c) => c.index)).toEqual([10]);
  });

  it('needs minSegment values on each side', () => {
    expect(bestSplit([1, 2, 3, 4, 5], 3)).toBeNull();
    expect(bestSplit([1, 1, 1, 5, 5, 5], 3)).toEqual({ tau: 3, q: expect.any(Number) });
  });
});
