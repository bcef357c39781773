import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToLog, spawnChild } from '../../../src/platform/process.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-process-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Read from /proc, independently of the code under test: a zombie (state Z) has already exited. */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `file` holds `count` pids (the script under test wrote them), then returns them. */
async function pidsIn(file: string, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const pids = text.split(/\s+/).filter(Boolean).map(Number);
    if (pids.length >= count) return pids;
    await delay(20);
  }
  throw new Error(`${file} never got ${count} pids`);
}

describe('spawnChild', () => {
  it('on abort kills the whole group: SIGTERM first, SIGKILL for what ignores it', async () => {
    const pidFile = path.join(dir, 'abort.pids');
    const ac = new AbortController();
    // The child shell traps SIGTERM (and says so); its background child ignores SIGTERM altogether.
    const proc = spawnChild(
      '/bin/sh',
      [
        '-c',
        `trap 'echo got-term >&2; exit 0' TERM; (trap '' TERM; sleep 100) & echo "$$ $!" > ${pidFile}; wait`,
      ],
      { signal: ac.signal, killGraceMs: 300 },
    );
    const [leader, grandchild] = await pidsIn(pidFile, 2);
    expect(pidAlive(grandchild!)).toBe(true);
    ac.abort();
    expect(await proc.kill()).toBe(true);
    expect(proc.aborted()).toBe(true);
    expect(proc.stderr.toString()).toContain('got-term');
    expect(pidAlive(leader!)).toBe(false);
    expect(pidAlive(grandchild!)).toBe(false);
    expect(await proc.leftovers()).toBe(false);
  });
});

describe('runToLog', () => {
  it('writes the output to the log and ends what the program left running', async () => {
    const pidFile = path.join(dir, 'left.pids');
    const logFile = path.join(dir, 'left.log');
    const log = await fs.open(logFile, 'w');
    let told = 0;
    const run = await runToLog(
      '/bin/sh',
      ['-c', `sleep 100 & echo $! > ${pidFile}; echo to-out; echo to-err >&2`],
      {
        cwd: dir,
        signal: new AbortController().signal,
        killGraceMs: 1000,
        logFd: log.fd,
        onLeftovers: async () => {
          told++;
        },
      },
    );
    await log.close();
    expect(run).toEqual({ code: 0, signal: null, aborted: false, gone: true });
    expect(told).toBe(1);
    const [background] = await pidsIn(pidFile, 1);
    expect(pidAlive(background!)).toBe(false);
    expect(await fs.readFile(logFile, 'utf8')).toBe('to-out\nto-err\n');
  });

  it('passes the environment and the working folder, and reports a program that cannot start', async () => {
    const logFile = path.join(dir, 'env.log');
    const log = await fs.open(logFile, 'w');
    const ok = await runToLog('/bin/sh', ['-c', 'echo "$TCI_X $(pwd)"'], {
      cwd: dir,
      env: { TCI_X: 'x-value' },
      signal: new AbortController().signal,
      killGraceMs: 0,
      logFd: log.fd,
    });
    const missing = await runToLog(path.join(dir, 'no-such-program'), [], {
      cwd: dir,
      signal: new AbortController().signal,
      killGraceMs: 0,
      logFd: log.fd,
    });
    await log.close();
    expect(ok.code).toBe(0);
    expect(await fs.readFile(logFile, 'utf8')).toBe(`x-value ${await fs.realpath(dir)}\n`);
    expect(missing.startError?.message).toContain('ENOENT');
  });
});
