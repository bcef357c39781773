import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../../src/video/decode.js';
import {
  ffmpegCapabilities,
  locateFfmpeg,
  resetFfmpegCache,
  supportsFpsMode,
} from '../../../src/video/ffmpeg.js';
import { HAS_REFERENCE_FFMPEG } from '../../support/ffmpeg-version.js';
import { lavfi, makeTempDir, removeDir } from './helpers.js';

/** The first executable `name` in `pathList`, walked as a shell does, independently of the code under test. */
function firstOnPath(name: string, pathList: string): string | undefined {
  for (const dir of pathList.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here: keep walking
    }
  }
  return undefined;
}

/** What `<bin> -version` says its version is, asked directly. */
function versionOf(bin: string): string | undefined {
  const first = execFileSync(bin, ['-version'], { encoding: 'utf8' }).split('\n', 1)[0] ?? '';
  return /^ff\w+ version (\S+)/.exec(first)?.[1];
}

/**
 * The machine's own PATH: without the stand-in folder global-setup.ts puts first when the machine has no
 * ffmpeg (a fresh machine), with everything else as the user has it.
 */
const STANDIN = process.env.TCI_TEST_STANDIN_BIN;
const MACHINE_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((d) => d !== STANDIN)
  .join(delimiter);

/** Some working ffmpeg and ffprobe for these tests: PATH always has one (global-setup.ts sees to it). */
const REAL = {
  ffmpeg: firstOnPath('ffmpeg', process.env.PATH ?? ''),
  ffprobe: firstOnPath('ffprobe', process.env.PATH ?? ''),
};

const saved = { ...process.env };
let dir: string;
/** A folder holding links to REAL's binaries: a second install that is distinct by path. */
let linked: { ffmpeg: string; ffprobe: string };
beforeAll(async () => {
  dir = await makeTempDir();
  if (REAL.ffmpeg === undefined || REAL.ffprobe === undefined) throw new Error('no ffmpeg/ffprobe on PATH');
  const bin = join(dir, 'linked-bin');
  await mkdir(bin);
  linked = { ffmpeg: join(bin, 'ffmpeg'), ffprobe: join(bin, 'ffprobe') };
  await symlink(await realpath(REAL.ffmpeg), linked.ffmpeg);
  await symlink(await realpath(REAL.ffprobe), linked.ffprobe);
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
  it('on this machine: the system ffmpeg when PATH has one, else the npm fallback', async () => {
    delete process.env.TEMPORALCI_FFMPEG;
    delete process.env.TEMPORALCI_FFPROBE;
    process.env.PATH = MACHINE_PATH;
    const system = {
      ffmpeg: firstOnPath('ffmpeg', MACHINE_PATH),
      ffprobe: firstOnPath('ffprobe', MACHINE_PATH),
    };
    const install = await locateFfmpeg();
    if (system.ffmpeg !== undefined) {
      expect(install).toMatchObject({
        ffmpeg: system.ffmpeg,
        source: 'system',
        version: versionOf(system.ffmpeg),
      });
    } else {
      // A fresh machine (CI proves this case with a pass that hides the system ffmpeg from PATH).
      expect(install.source).toBe('npm');
      expect(install.ffmpeg).toContain('node_modules');
      expect(install.version).toBe(versionOf(install.ffmpeg));
    }
    if (system.ffprobe !== undefined) expect(install.ffprobe).toBe(system.ffprobe);
    else expect(install.ffprobe).toContain('node_modules');
    expect(await locateFfmpeg()).toBe(install); // cached
  });

  it('takes the binaries PATH finds first, as absolute paths', async () => {
    process.env.PATH = [join(linked.ffmpeg, '..'), saved.PATH].join(delimiter);
    const install = await locateFfmpeg();
    expect(install).toMatchObject({ ffmpeg: linked.ffmpeg, ffprobe: linked.ffprobe, source: 'system' });
    expect(install.version).toBe(versionOf(linked.ffmpeg));
  });

  it('honours TEMPORALCI_FFMPEG / TEMPORALCI_FFPROBE over PATH', async () => {
    process.env.TEMPORALCI_FFMPEG = linked.ffmpeg;
    process.env.TEMPORALCI_FFPROBE = linked.ffprobe;
    expect(await locateFfmpeg()).toMatchObject({
      ffmpeg: linked.ffmpeg,
      ffprobe: linked.ffprobe,
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
    process.env.TEMPORALCI_FFMPEG = linked.ffmpeg;
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
  // The filters exist from ffmpeg 5.1 (CI installs Debian's); the 2018 npm build is tested below.
  it.skipIf(!HAS_REFERENCE_FFMPEG)('reports the encoders and filters of an ffmpeg ≥ 5.1', async () => {
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
