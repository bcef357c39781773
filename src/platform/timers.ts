/**
 * Timers from user settings in seconds. Node's timers take whole milliseconds below 2^31: `AbortSignal.timeout`
 * throws on 2009.9999999999998 (what 2.01 × 1000 is in floating point) and `setTimeout` fires after 1 ms for
 * anything above 2^31 - 1 ms. Every timer built from a setting goes through here instead.
 */

import { MAX_TIMER_MS } from '../schema/limits.js';

/** Seconds → whole milliseconds in [1, MAX_TIMER_MS]: rounded, never 0, never past what Node can arm. */
export function timerMs(seconds: number): number {
  if (Number.isNaN(seconds)) throw new RangeError('a timer duration must be a number, got NaN');
  const ms = Math.round(seconds * 1000);
  return Math.min(MAX_TIMER_MS, Math.max(1, ms));
}

/** `AbortSignal.timeout` for a duration in seconds (any finite value; rounded and clamped by `timerMs`). */
export function timeoutSignal(seconds: number): AbortSignal {
  return AbortSignal.timeout(timerMs(seconds));
}

/** `setTimeout` for a duration in seconds (rounded and clamped by `timerMs`). */
export function setTimer(seconds: number, run: () => void): NodeJS.Timeout {
  return setTimeout(run, timerMs(seconds));
}
