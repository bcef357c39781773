import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoder } from '../../../src/video/encode.js';
import { resetFfmpegCache } from '../../../src/video/ffmpeg.js';
import { makeTempDir, removeDir } from './helpers.js';

let dir: string;
const saved = process.env.TEMPORALCI_FFMPEG;
beforeAll(async () => {
  dir = await makeTempDir();
  // An "ffmpeg" that passes the -version check, then reads a little input and fails the way a build
  // without the requested encoder does. It lets the test kill the encoder mid-stream deterministically.
  const fake = join(dir, 'failing-ffmpeg');
  await writeFile(
    fake,
    [
      '#!/bin/sh',
      'if [ "$1" = "-version" ]; then echo "ffmpeg version 0.0-fake"; exit 0; fi',
      'head -c 1000 >/dev/null',
      'echo "[vost#0:0 @ 0x55d0c0ffee00] Unknown encoder \'libx264\'" >&2',
      'echo "Conversion failed!" >&2',
      'exit 1',
    ].join('\n'),
    { mode: 0o755 },
  );
  process.env.TEMPORALCI_FFMPEG = fake;
  resetFfmpegCache();
});
afterAll(async () => {
  if (saved === undefined) delete process.env.TEMPORALCI_FFMPEG;
  else process.env.TEMPORALCI_FFMPEG = saved;
  resetFfmpegCache();
  await removeDir(dir);
});

describe('encoder whose ffmpeg dies mid-stream', () => {
  it('rejects write() with FFMPEG_FAILED quoting ffmpeg, and leaves no file', async () => {
    const out = join(dir, 'out');
    await import('node:fs/promises').then((fs) => fs.mkdir(out));
    const enc = await createEncoder({ output: join(out, 'clip.mp4'), width: 256, height: 256, fps: 10 });
    const frame = new Uint8Array(256 * 256 * 3);
    const err = await (async () => {
      // 200 frames of 192 KB cannot fit in a pipe, so a write must observe the death.
      for (let i = 0; i < 200; i++) await enc.write(frame);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'FFMPEG_FAILED' });
    expect((err as Error).message).toContain(`"[vost#0:0] Unknown encoder 'libx264'"`);
    expect((err as Error).message).toContain(join(out, 'clip.mp4'));
    await expect(enc.write(frame)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await readdir(out)).toEqual([]);
  });

  it('rejects finish() with FFMPEG_FAILED when ffmpeg fails after the last frame', async () => {
    const enc = await createEncoder({ output: join(dir, 'small.mp4'), width: 8, height: 8, fps: 10 });
    await enc.write(new Uint8Array(8 * 8 * 3));
    await expect(enc.finish()).rejects.toMatchObject({
      code: 'FFMPEG_FAILED',
      message: expect.stringContaining('Unknown encoder'),
    });
    expect((await readdir(dir)).filter((f) => f.includes('small'))).toEqual([]);
  });
});
