import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, decodeFrameViews } from '../../../src/video/decode.js';
import type { FrameView } from '../../../src/video/frame-view.js';
import {
  cropPlanes,
  planeFormatFor,
  planeSizes,
  planesFrameSize,
  planesOf,
  storedPlaneFormat,
} from '../../../src/video/planes.js';
import { lavfi, makeTempDir, pidsMentioning, removeDir } from './helpers.js';

/**
 * decodeFrameViews: one ffmpeg process, two outputs. The rgb24 must be byte-identical to a plain rgb24
 * decode (every rgb metric keeps its values) and the planes byte-identical to ffmpeg's own rawvideo of the
 * stored format (what its ssim/psnr filters read).
 */

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
  const src = 'testsrc2=s=70x46:r=10:d=1';
  lavfi(join(dir, 'odd420.mp4'), src, ['-pix_fmt', 'yuv420p', '-c:v', 'libx264']);
  lavfi(join(dir, 'c444.mp4'), src, ['-pix_fmt', 'yuv444p', '-c:v', 'libx264']);
  lavfi(join(dir, 'ten.mp4'), src, ['-pix_fmt', 'yuv420p10le', '-c:v', 'libx264']);
}, 60_000);
afterAll(async () => {
  await removeDir(dir);
});

/** ffmpeg's rawvideo of the file in `pixFmt`, the reference bytes. */
function rawvideo(file: string, pixFmt: string): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', pixFmt, '-'], {
    maxBuffer: 1 << 28,
  });
}

async function views(file: string): Promise<FrameView[]> {
  const out: FrameView[] = [];
  for await (const v of decodeFrameViews(file)) out.push(v);
  return out;
}

describe('decodeFrameViews: rgb24 and the stored planes from one decode', () => {
  it.each([
    ['odd420.mp4', 'yuv420p'],
    ['c444.mp4', 'yuv444p'],
  ])('%s: rgb24 as a plain decode, planes as ffmpeg stores them (%s)', async (name, pixFmt) => {
    const file = join(dir, name);
    const rgb: Uint8Array[] = [];
    for await (const f of decodeFrames(file, { format: 'rgb24' })) rgb.push(f.data);
    const planes = rawvideo(file, pixFmt);
    const got = await views(file);
    expect(got).toHaveLength(10);
    const size = planesFrameSize(storedPlaneFormat(pixFmt)!, 70, 46);
    for (const v of got) {
      expect(v.hasStoredPlanes).toBe(true);
      expect(v.planes.format.name).toBe(pixFmt);
      expect(Buffer.from(v.rgb).equals(Buffer.from(rgb[v.index]!))).toBe(true);
      const want = planes.subarray(v.index * size, (v.index + 1) * size);
      expect(Buffer.from(v.planes.buffer).equals(want)).toBe(true);
      // Y is the first plane, and each frame owns its buffers.
      expect(v.planes.planes[0]!.data.buffer).toBe(v.planes.buffer.buffer);
    }
    expect(new Set(got.map((v) => v.planes.buffer.buffer)).size).toBe(10);
  });

  it('converts a layout it does not keep as stored (10-bit) to the 8-bit one of the same subsampling', async () => {
    const file = join(dir, 'ten.mp4');
    expect(planeFormatFor('yuv420p10le')).toMatchObject({ format: { name: 'yuv420p' }, converted: true });
    const got = await views(file);
    const want = rawvideo(file, 'yuv420p');
    const size = planesFrameSize(storedPlaneFormat('yuv420p')!, 70, 46);
    expect(got[3]!.planes.format.name).toBe('yuv420p');
    expect(Buffer.from(got[3]!.planes.buffer).equals(want.subarray(3 * size, 4 * size))).toBe(true);
  });

  it('kills ffmpeg when the consumer stops early, and ends with INTERRUPTED on abort', async () => {
    const clip = join(dir, 'long-planes.mp4');
    lavfi(clip, 'testsrc=size=320x240:rate=25', ['-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast']);
    let running: number[] = [];
    for await (const v of decodeFrameViews(clip)) {
      if (v.index === 2) {
        running = await pidsMentioning(clip);
        break;
      }
    }
    expect(running).toHaveLength(1);
    const gone = async (): Promise<number[]> => {
      for (let i = 0; i < 100 && (await pidsMentioning(clip)).length > 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return pidsMentioning(clip);
    };
    expect(await gone()).toEqual([]);
    const ac = new AbortController();
    const run = async (): Promise<void> => {
      for await (const v of decodeFrameViews(clip, { signal: ac.signal })) if (v.index === 1) ac.abort();
    };
    await expect(run()).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(await gone()).toEqual([]);
  });

  it("reports a faststart mp4 cut in half as VIDEO_INVALID with ffmpeg's words, like the rgb24 decoder", async () => {
    const fast = join(dir, 'fast.mp4');
    lavfi(fast, 'testsrc=size=96x64:rate=15', ['-t', '2', '-c:v', 'libx264', '-movflags', '+faststart']);
    const cut = join(dir, 'fast-cut.mp4');
    const whole = await readFile(fast);
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await views(cut).then(
      () => undefined,
      (err: unknown) => err as { code?: string; message: string },
    );
    expect(e?.code).toBe('VIDEO_INVALID');
    expect(e?.message.startsWith(`${cut}: `)).toBe(true);
    expect(e?.message).toMatch(/ffmpeg: "/);
  });

  it('holds back both pipes while the consumer waits (memory stays bounded)', async () => {
    const clip = join(dir, 'big-flat-planes.mp4');
    // 250 flat 1280x720 frames: 1 GB as rgb24 plus planes, if nothing applied back-pressure.
    lavfi(clip, 'color=c=gray:size=1280x720:rate=25', [
      '-t',
      '10',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const frames = decodeFrameViews(clip);
    expect((await frames.next()).done).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    await frames.return(undefined);
  });
});

describe('plane layouts', () => {
  it('rounds chroma up and crops the planes as ffmpeg crop=w:h:0:0 does', () => {
    const f = storedPlaneFormat('yuv420p')!;
    expect(planeSizes(f, 7, 5)).toEqual([
      { w: 7, h: 5 },
      { w: 4, h: 3 },
      { w: 4, h: 3 },
    ]);
    const buf = Uint8Array.from({ length: planesFrameSize(f, 7, 5) }, (_, i) => i % 251);
    const p = planesOf(f, 7, 5, buf);
    const c = cropPlanes(p, 5, 3);
    expect(c.planes.map((q) => [q.width, q.height])).toEqual([
      [5, 3],
      [3, 2],
      [3, 2],
    ]);
    expect([...c.planes[0]!.data.subarray(5, 10)]).toEqual([...p.planes[0]!.data.subarray(7, 12)]);
    expect([...c.planes[2]!.data.subarray(3, 6)]).toEqual([...p.planes[2]!.data.subarray(4, 7)]);
    expect(() => planesOf(f, 7, 5, new Uint8Array(3))).toThrow(RangeError);
  });

  it('keeps 8-bit planar layouts as stored and names the conversion of the others', () => {
    for (const name of ['gray', 'yuv420p', 'yuvj420p', 'yuv422p', 'yuv444p', 'yuv410p']) {
      expect(planeFormatFor(name)).toMatchObject({ format: { name }, converted: false });
    }
    expect(planeFormatFor('nv12').format.name).toBe('yuv420p');
    expect(planeFormatFor('yuv422p10le').format.name).toBe('yuv422p');
    expect(planeFormatFor('gray10le').format.name).toBe('gray');
    expect(planeFormatFor('gbrp')).toMatchObject({ format: { name: 'yuv444p' }, converted: true });
  });
});
