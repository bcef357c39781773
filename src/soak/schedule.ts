/**
 * When cycles start. Pure: the supervisor feeds it monotonic milliseconds (performance.now), so a clock
 * step (NTP, a suspended laptop) neither fires a burst of cycles nor stalls the schedule. Cron slots
 * are wall-clock times (`nextCronSlot`).
 */
import { Cron } from 'croner';

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

/** Why `expr` is not a cron expression croner accepts, or null when it is. */
export function cronProblem(expr: string): string | null {
  try {
    new Cron(expr, { paused: true }).stop();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^CronPattern: /, '') : String(e);
  }
}

/**
 * The next cron slot after the previous one, for a cycle that ended at `nowWall` (ms since the epoch).
 * Cron times are wall-clock times by nature; the supervisor turns the wait into a monotonic timer at once,
 * so only the target, not the wait, follows the clock. Slots that passed while the previous cycle ran are
 * skipped, as with `every`; jitter moves the start by up to ±jitter × the gap to the slot after it.
 */
export function nextCronSlot(
  expr: string,
  lastSlotWall: number,
  nowWall: number,
  jitter: number,
  random: number,
): { slotWall: number; startWall: number; skipped: number } {
  const cron = new Cron(expr, { paused: true });
  try {
    let skipped = 0;
    let slot = cron.nextRun(new Date(lastSlotWall));
    while (slot !== null && slot.getTime() < nowWall && skipped < 100_000) {
      slot = cron.nextRun(slot);
      skipped++;
    }
    if (slot === null) return { slotWall: Infinity, startWall: Infinity, skipped };
    const after = cron.nextRun(slot);
    const gap = after === null ? 0 : after.getTime() - slot.getTime();
    const offset = (random * 2 - 1) * jitter * gap;
    return { slotWall: slot.getTime(), startWall: Math.max(nowWall, slot.getTime() + offset), skipped };
  } finally {
    cron.stop();
  }
}
