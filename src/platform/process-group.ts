import { promises as fs } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Signals to a whole process group. Every child we spawn leads its own group (see process.ts), so a
 * model's or a judge's helpers — a shell's background job, a CUDA worker, a server it started — are
 * reached through the group even after the direct child has gone.
 */

/** How often a dying group is looked at. */
const POLL_MS = 50;

/** Sends a signal to a whole process group; false when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/**
 * Whether any process of the group is still running. kill(-pgid, 0) alone is not enough: when our init
 * (PID 1 in a container) does not reap orphans, killed grandchildren linger as zombies and still "exist".
 * On Linux the group's members are read from /proc and zombies (state Z) count as gone.
 */
export async function groupAlive(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    // Without /proc (a hardened sandbox) the signal probe above is the only evidence: it says alive.
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // that process ended between readdir and here: it is not a live member
    }
    // Fields after the parenthesised command (which may itself contain spaces or parentheses).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const pgrp = Number(rest[2]);
    if (pgrp === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  for (let waited = 0; ; waited += POLL_MS) {
    if (!(await groupAlive(pgid))) return true;
    if (waited >= ms) return false;
    await delay(POLL_MS);
  }
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if anything is left (at once when `graceMs` is 0), then
 * waits until nothing is left — at most `settleMs` after the SIGKILL, because a process stuck in
 * uninterruptible I/O cannot be waited for forever. Returns whether the group is really gone.
 */
export async function terminateGroup(pgid: number, graceMs: number, settleMs = 5000): Promise<boolean> {
  if (graceMs > 0) {
    if (!signalGroup(pgid, 'SIGTERM')) return true;
    if (await goneWithin(pgid, graceMs)) return true;
  }
  if (!signalGroup(pgid, 'SIGKILL')) return true;
  return goneWithin(pgid, settleMs);
}
