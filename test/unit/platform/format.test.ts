import { describe, expect, it } from 'vitest';
import { percent, roundTo, secondsSince } from '../../../src/platform/format.js';

describe('number formatting', () => {
  it('rounds to a number of decimals and leaves non-finite values alone', () => {
    expect(roundTo(0.123456789, 3)).toBe(0.123);
    expect(roundTo(2.5e-7, 6)).toBe(0);
    expect(roundTo(-1.23456, 2)).toBe(-1.23);
    expect(roundTo(Number.POSITIVE_INFINITY, 3)).toBe(Number.POSITIVE_INFINITY);
    expect(roundTo(Number.NaN, 3)).toBeNaN();
  });

  it('measures seconds to the millisecond', () => {
    const s = secondsSince(performance.now() - 1234.5678);
    expect(s).toBeGreaterThanOrEqual(1.234);
    expect(s).toBeLessThan(2);
    expect((String(s).split('.')[1] ?? '').length).toBeLessThanOrEqual(3);
  });

  it('prints fractions as percentages', () => {
    expect(percent(0.01234)).toBe('1.23%');
    expect(percent(-0.5)).toBe('-50.00%');
    expect(percent(0.123456, 1)).toBe('12.3%');
  });
});
