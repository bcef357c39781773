import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { runJudgeCommand } from '../../../src/metrics/external-judge/run-judge.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-judge-proc-'));
  // A judge as they often are: a shell launcher whose real work runs in a grandchild.
  await fs.writeFile(
    path.join(dir, 'judge.sh'),
    '#!/bin/sh\nsleep 300 &\necho $! > "$1"\nif [ "$2" = finish ]; then echo done; exit 0; fi\nwait\n',
    { mode: 0o755 },
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const ctx = () => ({
  workDir: dir,
  suiteDir: dir,
  signal: new AbortController().signal,
  warn: (m: string) => {
    throw new Error(`unexpected warning: ${m}`);
  },
});

describe('the external judge command', () => {
  it('on timeout kills the judge and its grandchild', async () => {
    const pidFile = path.join(dir, 'timeout.pid');
    const e = await runJudgeCommand(['./judge.sh', pidFile], dir, 0.5, ctx()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(TemporalCIError);
    expect(e).toMatchObject({ code: 'METRIC_FAILED', processExitCode: 124 });
    expect((e as Error).message).toContain('timed out after 0.5 s');
    const grandchild = Number(await fs.readFile(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    expect(pidAlive(grandchild)).toBe(false);
  });

  it('ends what a finished judge left running, and says so in its log', async () => {
    const pidFile = path.join(dir, 'finish.pid');
    await runJudgeCommand(['./judge.sh', pidFile, 'finish'], dir, 30, ctx());
    const grandchild = Number(await fs.readFile(pidFile, 'utf8'));
    expect(pidAlive(grandchild)).toBe(false);
    const log = await fs.readFile(path.join(dir, 'judge.log'), 'utf8');
    expect(log).toContain('done');
    expect(log).toContain('left processes running');
  });
});
