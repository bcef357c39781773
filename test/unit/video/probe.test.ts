import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { decodeFrames } from '../../../src/video/decode.js';
import { probeVideo } from '../../../src/video/probe.js';
import { lavfi, makeTempDir, removeDir } from './helpers.js';

let dir: string;
let mp4: string;
beforeAll(async () => {
  dir = await makeTempDir();
  mp4 = join(dir, 'clip.mp4');
  // No +faststart: the index (moov) is written last, as most tools do, so a cut file loses it.
  lavfi(mp4, 'testsrc=size=96x64:rate=15', ['-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
});
afterAll(async () => {
  await removeDir(dir);
});

async function failure(p: Promise<unknown>): Promise<TemporalCIError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TemporalCIError);
  return e as TemporalCIError;
}

async function drain(path: string): Promise<number> {
  let n = 0;
  for await (const _ of decodeFrames(path, { format: 'gray' })) n++;
  return n;
}

describe('probeVideo', () => {
  it('reads a valid mp4', async () => {
    const info = await probeVideo(mp4);
    expect(info).toMatchObject({ width: 96, height: 64, fps: 15, frameCount: 30, codec: 'h264' });
    expect(info.durationSec).toBeCloseTo(2, 1);
  });

  it('counts frames when the container does not say (webm)', async () => {
    const webm = join(dir, 'clip.webm');
    lavfi(webm, 'testsrc=size=32x32:rate=10', ['-frames:v', '7', '-c:v', 'libvpx-vp9']);
    expect(await probeVideo(webm)).toMatchObject({ frameCount: 7, fps: 10, codec: 'vp9' });
  });

  const cases: Array<[string, (p: string) => Promise<void>, RegExp]> = [
    ['missing file', async () => {}, /file not found/],
    ['zero-byte file', (p) => writeFile(p, ''), /empty \(0 bytes\)/],
    ['text file', (p) => writeFile(p, 'this is not a video\n'.repeat(20)), /ffprobe: "/],
    ['random bytes', (p) => writeFile(p, randomBytes(20_000)), /ffprobe: "/],
    [
      'truncated mp4',
      async (p) => {
        const whole = await readFile(mp4);
        await writeFile(p, whole.subarray(0, Math.floor(whole.length / 2)));
      },
      /ffprobe: ".*moov atom not found|Invalid data/,
    ],
  ];
  for (const [name, make, detail] of cases) {
    it(`${name} -> VIDEO_INVALID naming the path`, async () => {
      const path = join(dir, `${name.replace(/\W/g, '-')}.mp4`);
      await make(path);
      const e = await failure(probeVideo(path));
      expect(e.code).toBe('VIDEO_INVALID');
      expect(e.message.startsWith(`${path}: `)).toBe(true);
      expect(e.message).toMatch(detail);
      expect(e.hint).toBeTruthy();
      // Decoding goes through the same checks.
      expect((await failure(drain(path))).code).toBe('VIDEO_INVALID');
    });
  }

  it('a file with only audio has no video stream', async () => {
    const audio = join(dir, 'audio.m4a');
    lavfi(audio, 'sine=frequency=440:duration=0.5', ['-c:a', 'aac']);
    const e = await failure(probeVideo(audio));
    expect(e.message).toBe(`${audio}: has no video stream`);
  });

  it('a directory is not a video', async () => {
    const e = await failure(probeVideo(dir));
    expect(e.message).toMatch(/is not a regular file/);
  });

  it('a faststart mp4 cut in half probes, but decoding reports it', async () => {
    const fast = join(dir, 'fast.mp4');
    lavfi(fast, 'testsrc=size=96x64:rate=15', ['-t', '2', '-c:v', 'libx264', '-movflags', '+faststart']);
    const whole = await readFile(fast);
    const cut = join(dir, 'fast-cut.mp4');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await failure(drain(cut));
    expect(e.code).toBe('VIDEO_INVALID');
    expect(e.message).toMatch(new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(e.message).toMatch(/ffmpeg: "/);
  });

  it('decodes the coded pixels of a clip with a rotation tag (no auto-rotation)', async () => {
    const rotated = join(dir, 'rotated.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      mp4,
      '-c',
      'copy',
      '-metadata:s:v',
      'rotate=90',
      rotated,
    ]);
    const first = async (p: string): Promise<Uint8Array> => {
      for await (const f of decodeFrames(p, { format: 'gray' })) return f.data;
      throw new Error('no frame');
    };
    expect(await first(rotated)).toEqual(await first(mp4));
  });
});
