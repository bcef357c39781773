/**
 * When cycles start. Pure: the supervisor feeds it monotonic milliseconds (performance.now), so a clock
 * step (NTP, a suspended laptop) neither fires a burst of cycles nor stalls the schedule.
 */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `2s`, `30m`, `1.5h` → milliseconds; null when the text is not such a duration. */
export function parseEvery(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smh])$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms > 0 && Number.isFinite(ms) ? ms : null;
}

/** `10%` or a fraction (0.1) → a fraction in [0, 0.5]; null when out of range or unreadable. */
export function parseJitter(value: string | number): number | null {
  const n =
    typeof value === 'number'
      ? value
      : /^\d+(\.\d+)?%$/.test(value.trim())
        ? Number.parseFloat(value) / 100
        : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 0.5 ? n : null;
}

export interface NextSlot {
  /** The slot the next cycle belongs to (its nominal start, before jitter). */
  slotMs: number;
  /** When to start it: the slot moved by up to ±jitter × every. */
  startMs: number;
  /** Slots that passed while the previous cycle ran: skipped (overlap policy `skip`). */
  skipped: number;
}

/**
 * The next cycle after `lastSlotMs` for a cycle that ended at `nowMs`. Slots stay on the grid
 * `first + k × every`, so cycles do not drift by their own length (the original slept `cooldown − elapsed`);
 * slots whose time passed during a long cycle are skipped, never run back to back. `random` in [0, 1).
 */
export function nextSlot(
  lastSlotMs: number,
  everyMs: number,
  jitter: number,
  nowMs: number,
  random: number,
): NextSlot {
  let slotMs = lastSlotMs + everyMs;
  let skipped = 0;
  while (slotMs < nowMs) {
    slotMs += everyMs;
    skipped++;
  }
  const offset = (random * 2 - 1) * jitter * everyMs;
  return { slotMs, startMs: Math.max(nowMs, slotMs + offset), skipped };
}
