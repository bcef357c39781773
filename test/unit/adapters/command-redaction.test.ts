import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpolateEnvRecord, redact, redactFile } from '../../../src/platform/env.js';

/** The redaction a command adapter applies to the log its child wrote (platform/env.ts redactFile). */
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-redact-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('redactFile', () => {
  it('redacts a secret split across stream chunks, keeping every other byte (UTF-8 included)', async () => {
    const secret = 'sk-ünïcode-0123456789';
    const file = path.join(dir, 'big.log');
    // 64 KiB is the read stream's chunk: put the secret across the first boundary, and again at the end.
    const pad = 'é'.repeat(32 * 1024 - 5);
    const text = `${pad}x${secret}\nmiddle ✓ line\n${secret}`;
    await fs.writeFile(file, text);
    await redactFile(file, [secret]);
    expect(await fs.readFile(file, 'utf8')).toBe(`${pad}x[redacted]\nmiddle ✓ line\n[redacted]`);
    expect((await fs.readdir(dir)).filter((f) => f.includes('redacting'))).toEqual([]);
  });

  it('redacts every value ${VAR} interpolation took, even when the caller names none', async () => {
    const value = 'tok-interpolated-5d2c';
    const { secrets } = interpolateEnvRecord({ A: 'Bearer ${TCI_REDACT_T}' }, 'test', {
      TCI_REDACT_T: value,
    });
    expect(secrets).toEqual([value]);
    expect(redact(`echo ${value}`)).toBe('echo [redacted]');
    const file = path.join(dir, 'plain.log');
    await fs.writeFile(file, `got ${value}`);
    await redactFile(file);
    expect(await fs.readFile(file, 'utf8')).toBe('got [redacted]');
  });

  it('leaves a missing file alone', async () => {
    await expect(redactFile(path.join(dir, 'absent.log'), ['x-secret'])).resolves.toBeUndefined();
  });
});
