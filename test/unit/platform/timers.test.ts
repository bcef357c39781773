import { describe, expect, it } from 'vitest';
import { setTimer, timeoutSignal, timerMs } from '../../../src/platform/timers.js';
import { MAX_TIMER_MS, MAX_TIMER_S } from '../../../src/schema/limits.js';

describe('timers from settings in seconds', () => {
  it('rounds to whole milliseconds (2.01 s is 2009.9999999999998 ms in floating point)', () => {
    expect(2.01 * 1000).not.toBe(2010);
    expect(timerMs(2.01)).toBe(2010);
    expect(timerMs(0.0004)).toBe(1);
    expect(timerMs(0.0016)).toBe(2);
  });

  it('clamps long timers to the longest one Node can arm instead of overflowing to 1 ms', () => {
    expect(timerMs(3_000_000)).toBe(MAX_TIMER_MS);
    expect(timerMs(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerMs(MAX_TIMER_S)).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('rejects NaN', () => {
    expect(() => timerMs(Number.NaN)).toThrow(RangeError);
  });

  it('arms signals and timers for values Node would refuse', () => {
    for (const s of [2.01, 4_294_968, 1e12]) {
      const signal = timeoutSignal(s);
      expect(signal.aborted).toBe(false);
    }
    const t = setTimer(3_000_000, () => {
      throw new Error('must not fire');
    });
    clearTimeout(t);
  });

  it('fires a rounded short timer', async () => {
    const signal = timeoutSignal(0.0101);
    await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    expect(signal.aborted).toBe(true);
  });
});
