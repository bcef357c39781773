import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { CLI, hasStackTrace, REPO_ROOT, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * A run is written by one session at a time: two `run --resume` of the same run started at once do not
 * both generate its missing samples; the second exits 1 naming the session that holds the run.
 */

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-resume-lock-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const lineCount = async (file: string): Promise<number> =>
  (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '').length;

/** A run SIGKILLed after its first finished sample: resumable, with samples still to generate. */
async function crashedRun(): Promise<string> {
  const suite = path.join(dir, 'suite.yaml');
  await fs.writeFile(
    suite,
    tinySuite({
      models: `  - name: slow
    adapter: mock
    params: {sleep_sec: 2}`,
      extra: 'run:\n  workers: 1\n',
    }),
  );
  const artifacts = path.join(dir, 'artifacts');
  const child = spawn(process.execPath, [CLI, 'run', suite, '--no-progress', '--artifacts-dir', artifacts], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const modelRoot = path.join(artifacts, 'tiny', 'smoke', 'slow');
  for (let waited = 0; waited < 120_000; waited += 50) {
    const names = await fs.readdir(modelRoot).catch(() => [] as string[]);
    const run = names.find((n) => /^\d{8}T/.test(n));
    if (run && (await lineCount(path.join(modelRoot, run, 'samples.jsonl'))) >= 1) {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      return path.join(modelRoot, run);
    }
    await delay(50);
  }
  throw new Error('the run never finished a sample');
}

describe('run --resume twice at once', () => {
  it('lets one session resume the run; the other exits 1 naming the lock holder', async () => {
    const runDir = await crashedRun();
    await expect(fs.access(path.join(runDir, 'run.json'))).rejects.toThrow();
    const [a, b] = await Promise.all([
      runCli(['run', '--resume', runDir, '--no-progress', '--no-report']),
      runCli(['run', '--resume', runDir, '--no-progress', '--no-report']),
    ]);
    for (const r of [a, b]) expect(r.stderr + r.stdout).not.toSatisfy(hasStackTrace);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n---\n${b.stderr}`).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(
      new RegExp(
        `error: run ${path.basename(runDir)} is locked by pid \\d+ on ${os.hostname()} since \\d{4}-`,
      ),
    );
    const rec = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    expect(rec.status).toBe('PASS');
    expect(rec.resumed?.sessions).toBe(2);
    expect(rec.counts).toMatchObject({ planned: 4, measured: 4 });
    // Every sample was generated once: one line per sample in the log, none written twice.
    expect(await lineCount(path.join(runDir, 'samples.jsonl'))).toBe(4);
    // The session released the run when it ended.
    await expect(fs.access(path.join(runDir, 'run.lock'))).rejects.toThrow();
  }, 180_000);
});
