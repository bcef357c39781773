import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SsimScratch, ssimPlane } from '../src/metrics/kernels/ffmpeg/ssim.js';
import { runProcess } from '../src/platform/process.js';
import { locateFfmpeg } from '../src/video/ffmpeg.js';
import { cNumber, parseMetadataPrint, rng } from '../test/support/ffmpeg-reference.js';
import type { BenchResult } from './types.js';

/**
 * Our SSIM port against ffmpeg 5.1's ssim filter on the same raw gray frames (consecutive pairs of a panning
 * texture): throughput of each, their ratio, and the largest per-frame difference. ffmpeg's time is the wall
 * time of its process (raw file reading included, filter threads pinned to 1 so both sides use one core);
 * ours is the kernel alone on frames already in memory. The values must agree to 1e-6.
 */

const WIDTH = 512;
const HEIGHT = 512;
const FRAMES = 300;
const REPEATS = 5;

/** A smooth texture panning 3 px/frame: realistic SSIM values (neither ~1 nor noise-level). */
function makeFrames(): Uint8Array[] {
  const tw = WIDTH + 3 * FRAMES;
  const r = rng(2024);
  const tex = new Uint8Array(tw * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    let acc = 128;
    for (let x = 0; x < tw; x++) {
      // A random walk along x mixed with the row above: cheap, smooth in both directions.
      acc = Math.min(255, Math.max(0, acc + Math.floor(r() * 9) - 4));
      const above = y > 0 ? tex[(y - 1) * tw + x]! : acc;
      tex[y * tw + x] = (acc + above + 1) >> 1;
    }
  }
  const frames: Uint8Array[] = [];
  for (let t = 0; t < FRAMES; t++) {
    const f = new Uint8Array(WIDTH * HEIGHT);
    for (let y = 0; y < HEIGHT; y++) f.set(tex.subarray(y * tw + 3 * t, y * tw + 3 * t + WIDTH), y * WIDTH);
    frames.push(f);
  }
  return frames;
}

function concat(frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.length * WIDTH * HEIGHT);
  for (const [i, f] of frames.entries()) out.set(f, i * WIDTH * HEIGHT);
  return out;
}

export async function benchSsim(): Promise<BenchResult[]> {
  const { ffmpeg } = await locateFfmpeg();
  const frames = makeFrames();
  const pairs = FRAMES - 1;
  const dir = await mkdtemp(join(tmpdir(), 'tci-bench-ssim-'));
  try {
    const mainFile = join(dir, 'main.raw');
    const refFile = join(dir, 'ref.raw');
    const metaFile = join(dir, 'meta.txt');
    await writeFile(mainFile, concat(frames.slice(1)));
    await writeFile(refFile, concat(frames.slice(0, -1)));
    const input = (file: string) => [
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-s',
      `${WIDTH}x${HEIGHT}`,
      '-i',
      file,
    ];
    const args = [
      ...['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-filter_threads', '1'],
      ...input(mainFile),
      ...input(refFile),
      '-lavfi',
      `[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS[b];[a][b]ssim,metadata=print:file=${metaFile}`,
      ...['-f', 'null', '-'],
    ];
    // Best of REPEATS for each side, interleaved: the machine may be shared, and the minimum is the run
    // least disturbed by other work (for both sides alike).
    let ffmpegMs = Number.POSITIVE_INFINITY;
    let oursMs = Number.POSITIVE_INFINITY;
    const scratch = new SsimScratch();
    const ours = new Float64Array(pairs);
    // One warm-up pass so the JIT has compiled the kernel before any timed pass.
    for (let t = 1; t < Math.min(FRAMES, 20); t++)
      ssimPlane(frames[t]!, frames[t - 1]!, WIDTH, HEIGHT, WIDTH, scratch);
    for (let rep = 0; rep < REPEATS; rep++) {
      const t0 = performance.now();
      const res = await runProcess(ffmpeg, args);
      ffmpegMs = Math.min(ffmpegMs, performance.now() - t0);
      if (res.code !== 0) throw new Error(`ffmpeg ssim failed (${res.code}): ${res.stderrTail}`);
      const t1 = performance.now();
      for (let t = 1; t < FRAMES; t++)
        ours[t - 1] = ssimPlane(frames[t]!, frames[t - 1]!, WIDTH, HEIGHT, WIDTH, scratch);
      oursMs = Math.min(oursMs, performance.now() - t1);
    }
    const theirs = parseMetadataPrint(await readFile(metaFile, 'utf8')).map((f) =>
      cNumber(f['lavfi.ssim.Y']),
    );
    if (theirs.length !== pairs) throw new Error(`ffmpeg printed ${theirs.length} frames, expected ${pairs}`);

    let maxDiff = 0;
    for (let i = 0; i < pairs; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - theirs[i]!));
    if (!(maxDiff <= 1e-6)) throw new Error(`SSIM differs from ffmpeg by ${maxDiff} (> 1e-6)`);

    const oursFps = pairs / (oursMs / 1000);
    const ffmpegFps = pairs / (ffmpegMs / 1000);
    const size = `${WIDTH}x${HEIGHT} gray, ${pairs} pairs`;
    return [
      {
        name: 'ssim ours (frame pairs/s)',
        value: oursFps,
        unit: 'pairs/s',
        note: `${size}; best of ${REPEATS}`,
      },
      {
        name: 'ssim ffmpeg 5.1 (frame pairs/s)',
        value: ffmpegFps,
        unit: 'pairs/s',
        note: `${size}; whole process incl. raw file reading, -filter_threads 1; best of ${REPEATS}`,
      },
      {
        name: 'ssim ours / ffmpeg throughput',
        value: oursFps / ffmpegFps,
        unit: 'ratio',
        reference: 1,
        ratio: oursFps / ffmpegFps,
      },
      {
        name: 'ssim max |ours - ffmpeg| per frame',
        value: maxDiff,
        unit: 'abs',
        note: 'ffmpeg prints %f of a float: 5e-7 is the print resolution; must be <= 1e-6',
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await benchSsim()) {
    const ratio = r.ratio === undefined ? '' : `  (ratio ${r.ratio.toFixed(3)})`;
    console.log(
      `${r.name.padEnd(38)} ${r.value.toPrecision(4).padStart(10)} ${r.unit}${ratio}${r.note ? `  ${r.note}` : ''}`,
    );
  }
}
