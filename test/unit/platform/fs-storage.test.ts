import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { asStorageFault, growReserve, makeDirs, storageErrno, writingTo } from '../../../src/platform/fs.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-fs-storage-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function errno(code: string, p?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code, ...(p === undefined ? {} : { path: p }) });
}

describe('storage faults', () => {
  it('turns full, read-only and unwritable errnos into STORAGE_FAULT naming the folder and cause', () => {
    for (const [code, cause] of [
      ['ENOSPC', 'no space left'],
      ['EROFS', 'read-only'],
      ['EACCES', 'permission denied'],
      ['ENOTDIR', 'regular file'],
    ] as const) {
      const e = asStorageFault(errno(code, '/art/p/x.json'), '/art', 'writing x.json');
      expect(e).toBeInstanceOf(TemporalCIError);
      const t = e as TemporalCIError;
      expect(t.code).toBe('STORAGE_FAULT');
      expect(t.message).toContain('/art: ');
      expect(t.message).toContain(cause);
      expect(t.message).toContain(`(${code}) while writing x.json at /art/p/x.json`);
      expect(t.hint).toMatch(/artifacts-dir/);
    }
  });

  it('names a path only when it is inside the folder, and leaves other errors as they were', () => {
    const outside = asStorageFault(errno('ENOSPC', '/tmp/scratch/v.mp4'), '/art', 'storing v.mp4');
    expect((outside as TemporalCIError).message).not.toContain('/tmp/scratch');
    const other = errno('ENOENT', '/art/x');
    expect(asStorageFault(other, '/art', 'x')).toBe(other);
    expect(storageErrno(other)).toBeNull();
    const ours = new TemporalCIError('RUN_LOCKED', 'held');
    expect(asStorageFault(ours, '/art', 'x')).toBe(ours);
  });

  it('writingTo reports a real ENOTDIR from a path under a regular file', async () => {
    const file = path.join(dir, 'a-file');
    await fs.writeFile(file, 'x');
    const e = await writingTo(dir, 'making a folder', () => makeDirs(path.join(file, 'sub'))).catch(
      (x: unknown) => x,
    );
    expect((e as TemporalCIError).code).toBe('STORAGE_FAULT');
    expect((e as TemporalCIError).message).toContain('ENOTDIR');
  });

  it('growReserve writes real bytes (no sparse hole) and grows on each call', async () => {
    const file = path.join(dir, 'reserve');
    await growReserve(file, 100_000);
    await growReserve(file, 50);
    const st = await fs.stat(file);
    expect(st.size).toBe(100_050);
    expect(st.blocks * 512).toBeGreaterThanOrEqual(100_000);
  });
});
