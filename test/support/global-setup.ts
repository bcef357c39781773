import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_PATH } from './browser-path.js';
import { startServices } from './services.js';

/**
 * The test suite runs on a fresh machine with just `npm install && npm test`:
 * - TemporalCI itself falls back to the ffmpeg/ffprobe shipped in the optional npm packages when none is on
 *   PATH; the tests (which also call ffmpeg directly to make their input videos) get the same binaries, by
 *   putting them first on PATH for every test process.
 * - Browser tests need Debian's chromium (CI installs it); without it they are skipped, and this says so.
 */
let tempBin: string | undefined;

function runs(bin: string): boolean {
  try {
    execFileSync(bin, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // not on PATH (or broken): the npm binaries stand in below
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  if (!runs('ffmpeg') || !runs('ffprobe')) {
    const ffmpeg = ((await import('@ffmpeg-installer/ffmpeg')) as { default: { path: string } }).default.path;
    const ffprobe = ((await import('@ffprobe-installer/ffprobe')) as { default: { path: string } }).default
      .path;
    tempBin = mkdtempSync(path.join(os.tmpdir(), 'tci-test-bin-'));
    symlinkSync(ffmpeg, path.join(tempBin, 'ffmpeg'));
    symlinkSync(ffprobe, path.join(tempBin, 'ffprobe'));
    process.env.PATH = `${tempBin}${path.delimiter}${process.env.PATH ?? ''}`;
    // Tests of the binary lookup need the machine's own PATH, without this stand-in (video/ffmpeg.test.ts).
    process.env.TCI_TEST_STANDIN_BIN = tempBin;
    process.stdout.write(`note: no ffmpeg on PATH; tests use the npm-installed binaries (${ffmpeg})\n`);
  }
  const { HAS_REFERENCE_FFMPEG, FFMPEG_VERSION } = await import('./ffmpeg-version.js');
  if (!HAS_REFERENCE_FFMPEG) {
    process.stdout.write(
      `note: ffmpeg ${FFMPEG_VERSION} is not 5.1 or newer: the ffmpeg parity tests are skipped (apt-get install ffmpeg; CI installs it)\n`,
    );
  }
  if (!existsSync(CHROMIUM_PATH)) {
    process.stdout.write(
      `note: no Chromium at ${CHROMIUM_PATH}: the browser tests are skipped (apt-get install chromium; CI installs it)\n`,
    );
  }
  const services = await startServices(); // Postgres and Redis for the fleet tests (test/support/services.ts)
  for (const note of services.notes) process.stdout.write(`${note}\n`);
  return async () => {
    if (tempBin) rmSync(tempBin, { recursive: true, force: true });
    await services.stop();
  };
}
