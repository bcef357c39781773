import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { type HolderState, holderState, identityOf, type ProcessIdentity } from './proc.js';

/** soak.lock: one supervisor per state folder, created with O_EXCL, naming the holder by its full identity. */

const LOCK_FILE = 'soak.lock';

export interface SoakLock extends ProcessIdentity {
  hostname: string;
  started_utc: string;
}

function lockPath(stateDir: string): string {
  return path.join(stateDir, LOCK_FILE);
}

async function readLock(stateDir: string): Promise<SoakLock | null> {
  let raw: string;
  try {
    raw = await fs.readFile(lockPath(stateDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const v = JSON.parse(raw) as Partial<SoakLock>;
    if (typeof v.pid === 'number' && typeof v.start_time === 'string' && typeof v.boot_id === 'string')
      return v as SoakLock;
  } catch {
    // fall through: a lock that cannot be read names no holder
  }
  throw new TemporalCIError('STORE_CORRUPT', `the soak lock ${lockPath(stateDir)} cannot be read`, {
    hint: 'no supervisor can be verified from it; if none runs (check `ps`), delete the file',
  });
}

export async function lockHolder(stateDir: string): Promise<{ lock: SoakLock; state: HolderState } | null> {
  const lock = await readLock(stateDir);
  return lock === null ? null : { lock, state: await holderState(lock) };
}

/** Takes the lock for this process; refuses while another holds it, live or not (repair clears a dead one). */
export async function acquireLock(stateDir: string, hostname: string): Promise<SoakLock> {
  const me = await identityOf(process.pid);
  const lock: SoakLock = {
    ...(me ?? { pid: process.pid, start_time: 'unknown', boot_id: 'unknown' }),
    hostname,
    started_utc: new Date().toISOString(),
  };
  await fs.mkdir(stateDir, { recursive: true });
  try {
    await fs.writeFile(lockPath(stateDir), `${JSON.stringify(lock)}\n`, { flag: 'wx' });
    return lock;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const held = await lockHolder(stateDir);
  if (held?.state === 'alive') {
    throw new TemporalCIError(
      'STORE_LOCKED',
      `a soak supervisor already runs (pid ${held.lock.pid}, since ${held.lock.started_utc})`,
      {
        hint: 'stop it with `temporalci soak stop --config …`, or give this soak another state_dir',
      },
    );
  }
  throw new TemporalCIError(
    'STORE_LOCKED',
    `a previous supervisor (pid ${held?.lock.pid ?? '?'}) ended without cleaning up`,
    {
      hint: 'run `temporalci soak repair --config …` (it stops what the dead supervisor left), then start again',
    },
  );
}

export async function releaseLock(stateDir: string): Promise<void> {
  await fs.rm(lockPath(stateDir), { force: true });
}
