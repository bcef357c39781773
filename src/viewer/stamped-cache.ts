import { promises as fs } from 'node:fs';

/**
 * A bounded in-memory cache of values computed from files (the sample page's per-frame curves: decoding
 * two videos costs seconds, and every open of a sample page asks again). An entry holds the path, size and
 * mtime of each file it was computed from and is used only while all of them still match, so a video
 * re-encoded or replaced in place is measured again. Least recently used entries go first once `max` is
 * reached. Only finished values are kept: a computation that fails or is aborted leaves nothing behind.
 */

interface Entry<T> {
  stamp: string;
  value: T;
}

/** path, size and mtime of each file, or "-" for an absent one (a sample without a baseline video). */
async function stampOf(files: readonly (string | null)[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      if (f === null) return '-';
      const st = await fs.stat(f);
      return `${f}\0${st.size}\0${st.mtimeMs}`;
    }),
  );
  return parts.join('\n');
}

export class StampedCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`cache bound must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `key` when its files are unchanged, else `compute()`'s, then kept. */
  async get(key: string, files: readonly (string | null)[], compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    this.entries.delete(key); // re-inserted below: Map order is the recency order
    const stamp = await stampOf(files); // a file gone: the error goes to the caller, the entry is dropped
    if (hit !== undefined && hit.stamp === stamp) {
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = await compute();
    this.entries.delete(key); // a concurrent request for the same key may have stored it meanwhile
    this.entries.set(key, { stamp, value });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
