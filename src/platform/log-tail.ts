import { promises as fs } from 'node:fs';

const TAIL_BYTES = 64 * 1024;
const TAIL_CHARS = 4000;

/**
 * The last `lines` lines of a log a child process wrote itself, written since byte `from` (the start of
 * this attempt: a log file is appended to across retries). Only the last 64 KB are read, whatever the
 * log's size. Progress bars that redraw with `\r` count as one line per redraw's end. Capped in
 * characters, keeping the end, which is where the error usually is.
 */
export async function readLogTail(file: string, from = 0, lines = 20): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    // No log yet (the process never started writing): there is no tail to show, which is not an error.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(from, size - TAIL_BYTES);
    const length = size - start;
    if (length <= 0) return '';
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, start);
    const text = buf.toString('utf8');
    const all = text
      .split('\n')
      .map((l) => {
        const parts = l.split('\r').filter((p) => p.length > 0);
        return parts[parts.length - 1] ?? '';
      })
      .filter((l, i, arr) => !(i === arr.length - 1 && l === ''));
    const tail = all.slice(-lines).join('\n');
    return tail.length > TAIL_CHARS ? `…${tail.slice(-TAIL_CHARS)}` : tail;
  } finally {
    await handle.close();
  }
}
