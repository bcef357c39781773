import { execFileSync } from 'node:child_process';

/**
 * The ffmpeg the tests find on PATH, and whether it can serve as the parity reference. The metric ports
 * are validated against ffmpeg 5.1's filters (their algorithms and print formats); the 2018 build shipped in
 * the npm fallback package lacks siti and scdet and prints differently, so parity tests need ≥ 5.1 and are
 * skipped otherwise (global-setup.ts says so; CI installs Debian's 5.1).
 */
function version(): { text: string; major: number; minor: number } | undefined {
  try {
    const first = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n', 1)[0] ?? '';
    const m = /^ffmpeg version n?(\d+)\.(\d+)/.exec(first);
    const text = /^ffmpeg version (\S+)/.exec(first)?.[1] ?? 'unknown';
    return { text, major: m ? Number(m[1]) : 0, minor: m ? Number(m[2]) : 0 };
  } catch {
    return undefined; // no ffmpeg on PATH yet (global-setup.ts puts the npm one there)
  }
}

const found = version();

export const FFMPEG_VERSION = found?.text ?? 'none';

/** ffmpeg ≥ 5.1 on PATH: the reference the parity tests compare against. */
export const HAS_REFERENCE_FFMPEG =
  found !== undefined && (found.major > 5 || (found.major === 5 && found.minor >= 1));
