import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StampedCache } from '../../../src/viewer/stamped-cache.js';

/** The /frames cache: bounded (least recently used out first) and tied to its files' size and mtime. */

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-stamped-cache-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, text);
  return p;
}

/** A cache whose computations are counted per key: the value says which computation made it. */
function counted(max: number) {
  const cache = new StampedCache<string>(max);
  const calls = new Map<string, number>();
  const get = (key: string, files: (string | null)[]) =>
    cache.get(key, files, async () => {
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      return `${key}#${n}`;
    });
  return { cache, get, calls };
}

describe('StampedCache', () => {
  it('computes once per key while the files are unchanged', async () => {
    const a = await file('a.mp4', 'aaaa');
    const b = await file('b.mp4', 'bbbb');
    const { get, calls } = counted(4);
    expect(await get('k', [a, b])).toBe('k#1');
    expect(await get('k', [a, b])).toBe('k#1');
    expect(await get('k', [a, null])).toBe('k#2'); // another set of files is another value
    expect(calls.get('k')).toBe(2);
  });

  it('keeps at most `max` entries, dropping the least recently used', async () => {
    const a = await file('bound.mp4', 'x');
    const { cache, get } = counted(3);
    for (const k of ['k1', 'k2', 'k3']) await get(k, [a]);
    await get('k1', [a]); // k1 is now the most recent: k2 is the oldest
    await get('k4', [a]);
    expect(cache.size).toBe(3);
    expect(await get('k1', [a])).toBe('k1#1');
    expect(await get('k3', [a])).toBe('k3#1');
    expect(await get('k4', [a])).toBe('k4#1');
    expect(await get('k2', [a])).toBe('k2#2'); // evicted, measured again
    expect(cache.size).toBe(3);
  });

  it('measures again when a file changes size or mtime', async () => {
    const v = await file('v.mp4', 'first');
    const { get } = counted(4);
    expect(await get('k', [v])).toBe('k#1');
    await fs.writeFile(v, 'second, longer'); // re-encoded in place: another size
    expect(await get('k', [v])).toBe('k#2');
    const st = await fs.stat(v);
    await fs.writeFile(v, 'second, LONGER'); // same size
    await fs.utimes(v, st.atime, new Date(st.mtimeMs + 5_000));
    expect(await get('k', [v])).toBe('k#3');
    expect(await get('k', [v])).toBe('k#3');
  });

  it('keeps nothing from a failed computation, and fails for a file that is gone', async () => {
    const v = await file('gone.mp4', 'x');
    const cache = new StampedCache<number>(2);
    await expect(cache.get('k', [v], () => Promise.reject(new Error('decode failed')))).rejects.toThrow(
      'decode failed',
    );
    expect(cache.size).toBe(0);
    expect(await cache.get('k', [v], async () => 1)).toBe(1);
    await fs.rm(v);
    await expect(cache.get('k', [v], async () => 2)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(cache.size).toBe(0); // the stale entry went with the file
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new StampedCache(0)).toThrow(RangeError);
  });
});
