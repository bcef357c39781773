import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTemporalCIError } from '../../../src/errors.js';
import { decodeFrames, decodeFrameViews } from '../../../src/video/decode.js';
import { createEncoder, encodeFrames, extensionFor } from '../../../src/video/encode.js';
import { cropFrame } from '../../../src/video/geometry.js';
import { probeVideo } from '../../../src/video/probe.js';
import type { Frame, VideoCodec } from '../../../src/video/types.js';
import { gradientFrame, lavfi, makeTempDir, meanAbsDiff, pidsMentioning, removeDir } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(async () => {
  await removeDir(dir);
});

async function collect(it: AsyncIterable<Frame>): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of it) out.push(f);
  return out;
}

async function waitGone(needle: string): Promise<number[]> {
  // Process teardown is asynchronous in the kernel; poll briefly rather than assume an order.
  for (let i = 0; i < 100; i++) {
    const pids = await pidsMentioning(needle);
    if (pids.length === 0) return pids;
    await new Promise((r) => setTimeout(r, 20));
  }
  return pidsMentioning(needle);
}

describe('encode -> probe -> decode round trip', () => {
  const W = 64;
  const H = 48;
  const N = 12;
  const source = Array.from({ length: N }, (_, t) => gradientFrame(W, H, t));

  for (const codec of ['h264', 'h265', 'vp9'] as VideoCodec[]) {
    it(`${codec}: keeps size, frame count, rate and (approximately) pixels`, async () => {
      const output = join(dir, `rt-${codec}${extensionFor(codec)}`);
      await encodeFrames(source, { output, width: W, height: H, fps: 12, codec });

      const info = await probeVideo(output);
      expect(info).toMatchObject({
        path: output,
        width: W,
        height: H,
        frameCount: N,
        pixelFormat: 'yuv420p',
      });
      expect(info.fps).toBeCloseTo(12, 6);
      expect(info.codec).toBe({ h264: 'h264', h265: 'hevc', vp9: 'vp9' }[codec]);

      const frames = await collect(decodeFrames(output, { format: 'rgb24' }));
      expect(frames.map((f) => f.index)).toEqual(Array.from({ length: N }, (_, i) => i));
      for (const [i, f] of frames.entries()) {
        expect(f.data.length).toBe(W * H * 3);
        expect(meanAbsDiff(f.data, source[i]!)).toBeLessThan(4);
      }
      // Each frame owns its buffer.
      expect(new Set(frames.map((f) => f.data.buffer)).size).toBe(N);
    });
  }

  it('decodes gray and FrameView luma close to the source luma', async () => {
    const output = join(dir, 'rt-h264.mp4');
    const gray = await collect(decodeFrames(output, { format: 'gray' }));
    expect(gray).toHaveLength(N);
    expect(gray[0]!.data.length).toBe(W * H);
    let i = 0;
    for await (const view of decodeFrameViews(output)) {
      expect(view.width).toBe(W);
      expect(view.index).toBe(i);
      expect(meanAbsDiff(view.luma, gray[i]!.data)).toBeLessThan(3);
      i++;
    }
    expect(i).toBe(N);
  });

  it('scales on decode, keeping the aspect ratio when one side is given', async () => {
    const output = join(dir, 'rt-h264.mp4');
    const both = await collect(decodeFrames(output, { format: 'rgb24', width: 32, height: 24 }));
    expect(both).toHaveLength(N);
    expect(both[0]).toMatchObject({ width: 32, height: 24 });
    expect(both[0]!.data.length).toBe(32 * 24 * 3);
    // An area-downscaled gradient stays close to a subsampled source gradient.
    const small = gradientFrame(32, 24, 0);
    expect(meanAbsDiff(both[0]!.data, small)).toBeLessThan(8);
    const one = await collect(decodeFrames(output, { format: 'gray', width: 16 }));
    expect(one[0]).toMatchObject({ width: 16, height: 12 });
    await expect(collect(decodeFrames(output, { format: 'gray', width: 0 }))).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  for (const codec of ['h264', 'h265', 'vp9'] as VideoCodec[]) {
    it(`${codec}: identical frames give identical bytes`, async () => {
      const a = join(dir, `det-a${extensionFor(codec)}`);
      const b = join(dir, `det-b${extensionFor(codec)}`);
      await encodeFrames(source, { output: a, width: W, height: H, fps: 12, codec });
      await encodeFrames(source, { output: b, width: W, height: H, fps: 12, codec });
      expect((await readFile(a)).equals(await readFile(b))).toBe(true);
    });
  }

  it('tags h265 in mp4 as hvc1 and honours crf', async () => {
    const tag = execFileSync('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_tag_string'],
      ...['-of', 'default=nw=1:nk=1', join(dir, 'rt-h265.mp4')],
    ]);
    expect(tag.toString().trim()).toBe('hvc1');
    const lo = join(dir, 'crf-lo.mp4');
    const hi = join(dir, 'crf-hi.mp4');
    await encodeFrames(source, { output: lo, width: W, height: H, fps: 12, crf: 5 });
    await encodeFrames(source, { output: hi, width: W, height: H, fps: 12, crf: 45 });
    expect((await stat(lo)).size).toBeGreaterThan((await stat(hi)).size);
  });

  it('lets the caller reuse one buffer for every frame', async () => {
    const output = join(dir, 'reuse.mp4');
    const levels = [40, 100, 160, 220];
    const buffer = new Uint8Array(W * H * 3);
    const enc = await createEncoder({ output, width: W, height: H, fps: 10, crf: 4 });
    for (const level of levels) {
      buffer.fill(level);
      await enc.write(buffer);
    }
    await enc.finish();
    const decoded = await collect(decodeFrames(output, { format: 'gray' }));
    const means = decoded.map((f) => f.data.reduce((a, b) => a + b, 0) / f.data.length);
    expect(means.map((m) => Math.round(m / 10) * 10)).toEqual(levels);
  });

  it('encodes odd sizes by edge-padding to even (71x45 -> 72x46)', async () => {
    const output = join(dir, 'odd.mp4');
    const frames = Array.from({ length: 3 }, (_, t) => gradientFrame(71, 45, t));
    await encodeFrames(
      (async function* () {
        yield* frames;
      })(),
      { output, width: 71, height: 45, fps: 25, crf: 10 },
    );
    const info = await probeVideo(output);
    expect(info).toMatchObject({ width: 72, height: 46, frameCount: 3 });
    const decoded = await collect(decodeFrames(output, { format: 'rgb24' }));
    expect(meanAbsDiff(cropFrame(decoded[2]!.data, 72, 46, 3, 71, 45), frames[2]!)).toBeLessThan(3);
  });
});

describe('decode lifecycle', () => {
  it('kills ffmpeg when the consumer stops early', async () => {
    const clip = join(dir, 'long-clip.mp4');
    lavfi(clip, 'testsrc=size=320x240:rate=25', ['-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast']);
    let seen = 0;
    let runningBeforeBreak: number[] = [];
    for await (const f of decodeFrames(clip, { format: 'rgb24' })) {
      seen = f.index + 1;
      if (seen === 3) {
        runningBeforeBreak = await pidsMentioning(clip);
        break;
      }
    }
    // The check below is meaningful only if ffmpeg was still running (500 frames remained) at the break.
    expect(runningBeforeBreak).toHaveLength(1);
    expect(seen).toBe(3);
    expect(await waitGone(clip)).toEqual([]);
  });

  it('applies back-pressure: a paused consumer does not make the clip pile up in memory', async () => {
    // 250 flat 1280x720 frames: cheap to encode and decode, but 690 MB as raw rgb24.
    const clip = join(dir, 'big-flat.mp4');
    lavfi(clip, 'color=c=gray:size=1280x720:rate=25', [
      '-t',
      '10',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const frames = decodeFrames(clip, { format: 'rgb24' });
    const first = await frames.next();
    expect(first.done).toBe(false);
    // While we hold off, a decoder without back-pressure would keep buffering ffmpeg's output.
    await new Promise((r) => setTimeout(r, 1500));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    expect(await pidsMentioning(clip)).toHaveLength(1);
    await frames.return(undefined);
    expect(await waitGone(clip)).toEqual([]);
  });

  it('stops with INTERRUPTED when the signal aborts', async () => {
    const clip = join(dir, 'long-clip.mp4');
    const ac = new AbortController();
    const run = async (): Promise<number> => {
      let n = 0;
      for await (const _ of decodeFrames(clip, { format: 'gray', signal: ac.signal })) {
        n++;
        if (n === 2) ac.abort();
      }
      return n;
    };
    await expect(run()).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(await waitGone(clip)).toEqual([]);
  });
});

describe('encoder lifecycle', () => {
  it('abort() kills ffmpeg and leaves no file behind', async () => {
    const sub = join(dir, 'abort');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    const output = join(sub, 'clip.mp4');
    const enc = await createEncoder({ output, width: 64, height: 48, fps: 10 });
    for (let t = 0; t < 5; t++) await enc.write(gradientFrame(64, 48, t));
    expect(await pidsMentioning(sub)).toHaveLength(1);
    enc.abort();
    expect(await waitGone(sub)).toEqual([]);
    expect(await readdir(sub)).toEqual([]);
  });

  it('never leaves a partial file at the output path while encoding', async () => {
    const sub = join(dir, 'atomic');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    const output = join(sub, 'clip.webm');
    const enc = await createEncoder({ output, width: 64, height: 48, fps: 10, codec: 'vp9' });
    for (let t = 0; t < 5; t++) await enc.write(gradientFrame(64, 48, t));
    expect(await readdir(sub)).not.toContain('clip.webm');
    await enc.finish();
    expect(await readdir(sub)).toEqual(['clip.webm']);
  });

  it('rejects frames of the wrong size and empty clips, removing the temp file', async () => {
    const sub = join(dir, 'bad');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    const output = join(sub, 'clip.mp4');
    const enc = await createEncoder({ output, width: 64, height: 48, fps: 10 });
    await expect(enc.write(new Uint8Array(10))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(enc.finish()).rejects.toMatchObject({ code: 'VIDEO_INVALID' });
    expect(await readdir(sub)).toEqual([]);
  });

  it('reports FFMPEG_FAILED with ffmpeg stderr when the encoder cannot open its output', async () => {
    const output = join(dir, 'no-such-folder', 'clip.mp4');
    const err = await encodeFrames([gradientFrame(64, 48, 0)], {
      output,
      width: 64,
      height: 48,
      fps: 10,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTemporalCIError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'FFMPEG_FAILED' });
    expect((err as Error).message).toMatch(/No such file or directory/);
  });

  it('validates options before starting ffmpeg', async () => {
    const output = join(dir, 'x.mp4');
    await expect(createEncoder({ output, width: 0, height: 48, fps: 10 })).rejects.toMatchObject({
      code: 'USAGE',
    });
    await expect(createEncoder({ output, width: 64, height: 48, fps: 0 })).rejects.toMatchObject({
      code: 'USAGE',
    });
    await expect(createEncoder({ output, width: 64, height: 48, fps: 10, crf: 99 })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });
});
