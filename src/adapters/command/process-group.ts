import { promises as fs } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** Sends a signal to a whole process group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
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
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // Fields after the parenthesised command (which may itself contain spaces or parentheses).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const pgrp = Number(rest[2]);
    if (pgrp === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if anything is left, then waits until nothing is left (at
 * most `settleMs` after the SIGKILL: a process stuck in uninterruptible I/O cannot be waited for forever).
 * Returns whether the group is really gone.
 */
export async function terminateGroup(pgid: number, graceMs: number, settleMs = 5000): Promise<boolean> {
  if (!signalGroup(pgid, 'SIGTERM')) return true;
  const poll = 50;
  for (let waited = 0; waited < graceMs; waited += poll) {
    if (!(await groupAlive(pgid))) return true;
    await delay(poll);
  }
  signalGroup(pgid, 'SIGKILL');
  for (let waited = 0; waited <= settleMs; waited += poll) {
    if (!(await groupAlive(pgid))) return true;
    await delay(poll);
  }
  return false;
}
