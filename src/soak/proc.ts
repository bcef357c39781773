import { promises as fs } from 'node:fs';

/**
 * Who a process is, beyond its pid: pids are reused, so a pid alone never identifies the supervisor (the
 * original's `kill(pid, 0)` then killed an unrelated process). A pid with the same start time (clock ticks
 * since boot, /proc/<pid>/stat field 22) in the same boot (/proc/sys/kernel/random/boot_id) is the same process.
 */

export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22. */
  start_time: string;
  boot_id: string;
}

function statFields(stat: string): string[] {
  // Fields after the parenthesised command, which may itself hold spaces or parentheses; rest[0] is field 3.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Field 22 of /proc/<pid>/stat, null when no such process (or a zombie: it has ended). */
export async function processStartTime(pid: number): Promise<string | null> {
  let stat: string;
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const rest = statFields(stat);
  if (rest[0] === 'Z' || rest[0] === 'X') return null;
  return rest[19] ?? null;
}

export async function bootId(): Promise<string> {
  try {
    return (await fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    return 'unknown';
  }
}

export async function identityOf(pid: number): Promise<ProcessIdentity | null> {
  const start = await processStartTime(pid);
  return start === null ? null : { pid, start_time: start, boot_id: await bootId() };
}

export type HolderState = 'alive' | 'dead' | 'reused';

/**
 * Pure: what the recorded identity says given what the machine shows now. `reused`: a process with that
 * pid runs, but it is not the recorded one (another start time or another boot).
 */
export function judgeHolder(
  recorded: ProcessIdentity,
  now: { start_time: string | null; boot_id: string },
): HolderState {
  if (now.start_time === null) return 'dead';
  return now.start_time === recorded.start_time && now.boot_id === recorded.boot_id ? 'alive' : 'reused';
}

export async function holderState(recorded: ProcessIdentity): Promise<HolderState> {
  return judgeHolder(recorded, { start_time: await processStartTime(recorded.pid), boot_id: await bootId() });
}

/**
 * Resident memory of a process and all its descendants, bytes; null when it has ended. Descendants, not
 * the process group: the run starts each model command in a group of its own, and its memory counts too.
 */
export async function treeRss(root: number): Promise<number | null> {
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return null;
  }
  const parent = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue; // ended between readdir and here
    const rest = statFields(stat);
    if (rest[0] !== 'Z' && rest[0] !== 'X') parent.set(Number(entry), Number(rest[1]));
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (p === root) return true;
      p = parent.get(p);
    }
    return false;
  };
  let total: number | null = null;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
    const m = status === null ? null : /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m) total = (total ?? 0) + Number(m[1]) * 1024;
  }
  return total;
}
