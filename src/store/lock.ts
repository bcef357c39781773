import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { describeError, TemporalCIError } from '../errors.js';
import type { Warn } from './types.js';

/**
 * Lock files: created with O_EXCL (`wx`), holding who holds them ({pid, host, since, token}), their mtime
 * refreshed by a heartbeat while held.
 *
 * Why not proper-lockfile: its lock is an empty directory recovered only when its mtime is old. A run lock
 * must name its holder (pid, host, since) in the error a second session gets, and a lock left by a process
 * killed with SIGKILL on this machine must be recovered at once (the user resumes right after the kill), not
 * after a stale period. Both need the holder inside the lock, which a file gives for free.
 *
 * A lock is stale when its holder is on this host and its pid is gone, or when its heartbeat stopped for
 * `staleMs` (a holder on another host that died). Breaking a stale lock renames it away first and checks
 * that what was renamed is the lock judged stale, so two processes breaking the same stale lock at once do
 * not remove the fresh lock one of them just took.
 */

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  token: string;
}

export interface HeldLock {
  readonly file: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

export interface LockOptions {
  /** A lock whose heartbeat is older than this is stale. */
  staleMs: number;
  warn: Warn;
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host} since ${h.since}` : 'a process that is still writing the lock file';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string') {
      return { pid: h.pid, host: h.host, since: String(h.since), token: h.token };
    }
  } catch {
    // A lock file read between its creation and its write is empty: its holder is alive, not known yet.
  }
  return null;
}

/** The current lock at `file`, or null when there is none. */
async function readLock(file: string): Promise<{ holder: LockHolder | null; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { holder: parseHolder(text), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function isStale(lock: { holder: LockHolder | null; mtimeMs: number }, staleMs: number): boolean {
  const h = lock.holder;
  if (h && h.host === os.hostname() && !pidAlive(h.pid)) return true;
  return Date.now() - lock.mtimeMs > staleMs;
}

/** Removes the stale lock judged from `seen`, and only that one. */
async function breakStale(file: string, seen: LockHolder | null, warn: Warn): Promise<void> {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // another process broke it first
    throw e;
  }
  const moved = parseHolder(await fs.readFile(aside, 'utf8'));
  if (seen !== null && moved?.token !== seen.token) {
    // Between our look and our rename another process broke the stale lock and took a fresh one: put it back.
    try {
      await fs.link(aside, file);
    } catch (e) {
      warn(`lock ${file} of ${describeHolder(moved)} could not be restored: ${describeError(e)}`);
    }
  } else {
    warn(`recovered a stale lock ${file} left by ${describeHolder(seen)}`);
  }
  await fs.rm(aside, { force: true });
}

function hold(file: string, holder: LockHolder, opts: LockOptions): HeldLock {
  let lost = false;
  const beat = setInterval(
    () => {
      const now = new Date();
      fs.utimes(file, now, now).catch((e: unknown) => {
        if (lost) return;
        lost = true;
        opts.warn(`lock ${file} lost its heartbeat: ${describeError(e)}`);
      });
    },
    Math.max(50, Math.floor(opts.staleMs / 4)),
  );
  beat.unref(); // a held lock never keeps the process alive on its own
  let released = false;
  return {
    file,
    holder,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      clearInterval(beat);
      const now = await readLock(file);
      if (now === null) {
        opts.warn(`lock ${file} was removed while held`);
        return;
      }
      if (now.holder?.token !== holder.token) {
        opts.warn(`lock ${file} was taken over by ${describeHolder(now.holder)} while held`);
        return;
      }
      await fs.rm(file, { force: true });
    },
  };
}

/** Takes the lock if it is free (or stale); otherwise returns who holds it. */
/**
 * O_EXCL create, then the holder: a write that fails (a full disk) removes the file it created, so no
 * empty lock is left for the next session to wait out as "still being written".
 */
async function createLockFile(file: string, holder: LockHolder): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(JSON.stringify(holder));
  } catch (e) {
    await handle.close();
    await fs.rm(file, { force: true });
    throw e;
  }
  await handle.close();
}

export async function tryLock(
  file: string,
  opts: LockOptions,
): Promise<{ lock: HeldLock } | { holder: LockHolder | null }> {
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  // Each pass either takes the lock, finds a live holder, or removes a stale one; a few passes suffice even
  // when several processes break the same stale lock.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await createLockFile(file, holder);
      return { lock: hold(file, holder, opts) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const current = await readLock(file);
    if (current === null) continue; // released between our attempt and our look
    if (!isStale(current, opts.staleMs)) return { holder: current.holder };
    await breakStale(file, current.holder, opts.warn);
  }
  return { holder: (await readLock(file))?.holder ?? null };
}

/**
 * Waits for a short-held lock (an index update), retrying with jittered backoff; STORE_LOCKED when it stays
 * held for `waitMs`, which no writer needs (it holds the lock for one read and one write).
 */
async function acquireLock(
  file: string,
  what: string,
  opts: LockOptions & { waitMs: number },
): Promise<HeldLock> {
  const start = Date.now();
  let pause = 5;
  for (;;) {
    const r = await tryLock(file, opts);
    if ('lock' in r) return r.lock;
    if (Date.now() - start > opts.waitMs) {
      throw new TemporalCIError(
        'STORE_LOCKED',
        `${what} stayed locked by ${describeHolder(r.holder)} for ${Math.round(opts.waitMs / 1000)} s`,
        {
          file,
          hint: `if that process is gone (on another machine), delete ${file}`,
        },
      );
    }
    await delay(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 200);
  }
}

/** Runs `fn` holding the lock, and releases it however `fn` ends. */
export async function withLock<T>(
  file: string,
  what: string,
  opts: LockOptions & { waitMs: number },
  fn: () => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(file, what, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
