import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../../src/video/decode.js';
import {
  ffmpegCapabilities,
  locateFfmpeg,
  resetFfmpegCache,
  supportsFpsMode,
} from '../../../src/video/ffmpeg.js';
import { lavfi, makeTempDir, removeDir } from './helpers.js';

/** Debian's ffmpeg is the one PATH finds first (CI installs it; a fresh machine uses the npm fallback). */
function firstOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}
const HAS_SYSTEM_FFMPEG =
  firstOnPath('ffmpeg') === '/usr/bin/ffmpeg' && firstOnPath('ffprobe') === '/usr/bin/ffprobe';

const saved = { ...process.env };
let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterEach(() => {
  for (const key of ['PATH', 'TEMPORALCI_FFMPEG', 'TEMPORALCI_FFPROBE']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  resetFfmpegCache();
});
afterAll(async () => {
  await removeDir(dir);
});

describe('locateFfmpeg', () => {
  // These two need Debian's ffmpeg at /usr/bin (CI installs it); a fresh machine uses the npm fallback, tested below.
  it.skipIf(!HAS_SYSTEM_FFMPEG)('finds the system ffmpeg and ffprobe and caches the answer', async () => {
    delete process.env.TEMPORALCI_FFMPEG;
    delete process.env.TEMPORALCI_FFPROBE;
    const install = await locateFfmpeg();
    expect(install).toMatchObject({
      ffmpeg: '/usr/bin/ffmpeg',
      ffprobe: '/usr/bin/ffprobe',
      source: 'system',
    });
    expect(install.version).toMatch(/^\d+\.\d+/);
    expect(await locateFfmpeg()).toBe(install);
  });

  it('honours TEMPORALCI_FFMPEG / TEMPORALCI_FFPROBE', async () => {
    process.env.TEMPORALCI_FFMPEG = '/usr/bin/ffmpeg';
    process.env.TEMPORALCI_FFPROBE = '/usr/bin/ffprobe';
    expect(await locateFfmpeg()).toMatchObject({
      ffmpeg: '/usr/bin/ffmpeg',
      ffprobe: '/usr/bin/ffprobe',
      source: 'env',
    });
  });

  it('treats a broken override as an error naming the variable, not a silent fall-through', async () => {
    const fake = join(dir, 'fake-ffmpeg');
    await writeFile(fake, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    for (const bad of [fake, join(dir, 'missing-ffmpeg')]) {
      process.env.TEMPORALCI_FFMPEG = bad;
      resetFfmpegCache();
      const err = await locateFfmpeg().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 'FFMPEG_MISSING',
        message: expect.stringContaining(`TEMPORALCI_FFMPEG=${bad}`),
      });
      expect(err).toMatchObject({ hint: expect.stringContaining('unset it') });
    }
    // The failure is not cached: fixing the variable fixes the next call.
    process.env.TEMPORALCI_FFMPEG = '/usr/bin/ffmpeg';
    expect((await locateFfmpeg()).source).toBe('env');
  });

  it('falls back to the npm installer packages when nothing is on PATH', async () => {
    const empty = join(dir, 'empty-bin');
    await mkdir(empty, { recursive: true });
    process.env.PATH = empty;
    const install = await locateFfmpeg();
    expect(install.source).toBe('npm');
    expect(install.ffmpeg).toContain('node_modules');
    expect(install.ffprobe).toContain('node_modules');
  });
});

describe('ffmpegCapabilities', () => {
  it.skipIf(!HAS_SYSTEM_FFMPEG)('reports encoders and filters of the system build', async () => {
    const caps = await ffmpegCapabilities(await locateFfmpeg());
    const byName = new Map(caps.map((c) => [c.name, c]));
    for (const name of ['libx264', 'libx265', 'libvpx-vp9'])
      expect(byName.get(`encoder ${name}`)?.ok).toBe(true);
    for (const name of ['ssim', 'psnr', 'vmafmotion', 'siti', 'scdet', 'minterpolate']) {
      expect(byName.get(`filter ${name}`)?.ok).toBe(true);
    }
  });

  it('reports what the 2018 npm build lacks, and decodes with it via -vsync', async () => {
    const empty = join(dir, 'empty-bin2');
    await mkdir(empty, { recursive: true });
    const clip = join(dir, 'old.mp4');
    lavfi(clip, 'testsrc=size=48x32:rate=10', ['-frames:v', '9', '-c:v', 'libx264']);
    process.env.PATH = empty;
    const install = await locateFfmpeg();
    expect(await supportsFpsMode(install)).toBe(false);
    const caps = await ffmpegCapabilities(install);
    expect(caps.find((c) => c.name === 'filter siti')).toMatchObject({ ok: false });
    expect(caps.find((c) => c.name === 'encoder libx264')).toMatchObject({ ok: true });
    let n = 0;
    for await (const f of decodeFrames(clip, { format: 'rgb24' })) {
      expect(f.data.length).toBe(48 * 32 * 3);
      n++;
    }
    expect(n).toBe(9);
  });
});
