import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, hasStackTrace, REPO_ROOT, runCli, tempDir } from '../support/cli.js';

/** Hostile input through the built CLI: devices, FIFOs, a closed pipe and out-of-range flags. */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-hostile-cli-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('inputs that are not regular files', () => {
  it('refuses /dev/zero as a suite with exit 1 and no stack trace', async () => {
    const r = await runCli(['validate', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/dev\/zero/);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
  });

  it('refuses a FIFO as a suite instead of waiting for a writer', async () => {
    const fifo = path.join(dir, 'suite.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['validate', fifo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(fifo);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
  });
});

describe('the command line', () => {
  it('exits quietly when the reader of its stdout has gone (`| head -1`, `| true`)', async () => {
    // `true` exits without reading, so every write meets a closed pipe (EPIPE), whatever the output size.
    const script = `"${process.execPath}" "${CLI}" list | true; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const { stderr } = await new Promise<{ stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd: REPO_ROOT });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.on('close', () => resolve({ stderr: err }));
    });
    expect(stderr).toBe('exit=0\n');
  });

  it('caps --retries like the suite key, with exit 1 and a clear message', async () => {
    const suite = path.join(REPO_ROOT, 'examples', 'regression_core.yaml');
    const r = await runCli(['run', suite, '--retries', '100000', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/retries/);
    expect(r.stderr).toMatch(/≤ ?20|<= ?20|at most 20/);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
  });
});
