import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'temporalci-video-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Make a clip with the system ffmpeg from a lavfi source (test inputs only). */
export function lavfi(out: string, source: string, extra: string[] = []): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...extra, out]);
}

/**
 * A smooth, moving rgb24 gradient: smooth so lossy coding keeps it close, moving so every frame differs.
 * Channel values stay inside 24..231, away from the clipping range of limited-range yuv.
 */
export function gradientFrame(width: number, height: number, t: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[i] = 24 + Math.round((207 * x) / Math.max(1, width - 1));
      out[i + 1] = 24 + Math.round((207 * y) / Math.max(1, height - 1));
      out[i + 2] = 24 + ((t * 16) % 208);
    }
  }
  return out;
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Pids of live processes whose command line mentions `needle` (Linux /proc). */
export async function pidsMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`)).toString('utf8');
      const stat = (await readFile(`/proc/${entry}/stat`)).toString('utf8');
      // A zombie (state Z) has exited; only its exit status is left to collect.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(needle) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // The process ended while we looked: it is gone, which is what callers check for.
    }
  }
  return pids;
}
