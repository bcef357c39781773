/**
 * What the stored planes cost. Since ssim/psnr read the file's own Y/U/V planes, every sample is decoded by
 * one ffmpeg process with two outputs (planes on stdout, rgb24 on fd 3: src/video/decode.ts). Compared here,
 * in one run, interleaved, best of REPEATS, on a 512×512 x264 clip (5 s, 24 fps, yuv420p):
 *   - rgb24 only (decodeFrames, what every sample paid before),
 *   - rgb24 + planes (decodeFrameViews, what every sample pays now),
 *   - planes only (decodeFrames-like single output of yuv420p, the floor if rgb were derived in JS instead).
 * Frames are consumed and dropped; wall time covers ffmpeg decoding and our frame assembly. Node CPU is this
 * process's (process.cpuUsage, ffmpeg not included), i.e. what the metrics then do not get.
 *
 *   npx tsx bench/decode-planes.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFrames, decodeFrameViews } from '../src/video/decode.js';
import { locateFfmpeg, passthroughArgs } from '../src/video/ffmpeg.js';
import { readFrameSets, spawnMultiOutput } from '../src/video/raw-outputs.js';
import { makeClip } from './measure.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const SIDE = 512;
const SECONDS = 5;
const REPEATS = 5;

interface Timing {
  wall: number;
  cpu: number;
  frames: number;
}

async function timed(run: () => Promise<number>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const frames = await run();
  const cpu = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, frames };
}

/** yuv420p alone through the same multi-output reader (one output): the decode floor with planes. */
async function planesOnly(file: string): Promise<number> {
  const install = await locateFfmpeg();
  const args = [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:v:0'],
    ...(await passthroughArgs(install)),
    ...['-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
  ];
  const proc = spawnMultiOutput(install.ffmpeg, args, 1);
  const end = { sets: 0, partial: [], leftover: [] };
  let n = 0;
  for await (const _ of readFrameSets(proc.outputs, [(SIDE * SIDE * 3) / 2], end)) n++;
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`ffmpeg failed: ${proc.stderr.toString()}`);
  return n;
}

export async function benchDecodePlanes(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tci-bench-planes-'));
  try {
    const file = path.join(dir, 'clip.mp4');
    await makeClip(file, SECONDS, SIDE, 1);
    const runs = {
      rgb: async () => {
        let n = 0;
        for await (const _ of decodeFrames(file, { format: 'rgb24' })) n++;
        return n;
      },
      dual: async () => {
        let n = 0;
        for await (const _ of decodeFrameViews(file)) n++;
        return n;
      },
      planes: () => planesOnly(file),
    };
    const best: Record<keyof typeof runs, Timing | undefined> = {
      rgb: undefined,
      dual: undefined,
      planes: undefined,
    };
    for (let r = 0; r < REPEATS; r++) {
      for (const k of Object.keys(runs) as (keyof typeof runs)[]) {
        const t = await timed(runs[k]);
        if (best[k] === undefined || t.wall < best[k].wall) best[k] = t;
      }
    }
    const rgb = best.rgb!;
    const dual = best.dual!;
    const planes = best.planes!;
    if (dual.frames !== rgb.frames || planes.frames !== rgb.frames) throw new Error('frame counts differ');
    const fps = (t: Timing): number => t.frames / t.wall;
    const cpuMs = (t: Timing): number => (1000 * t.cpu) / t.frames;
    const note = `${rgb.frames} frames ${SIDE}x${SIDE}, best of ${REPEATS}`;
    return [
      {
        name: 'decode rgb24 + planes (now)',
        value: fps(dual),
        unit: 'frames/s',
        reference: fps(rgb),
        ratio: fps(dual) / fps(rgb),
        note: `reference: rgb24 only; ${note}`,
      },
      {
        name: 'decode planes only (floor)',
        value: fps(planes),
        unit: 'frames/s',
        reference: fps(rgb),
        ratio: fps(planes) / fps(rgb),
        note: 'reference: rgb24 only',
      },
      {
        name: 'node process CPU, rgb24 + planes',
        value: cpuMs(dual),
        unit: 'ms/frame',
        reference: cpuMs(rgb),
        ratio: cpuMs(dual) / cpuMs(rgb),
        note: 'reference: rgb24 only',
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printResults('decode: rgb24 + stored planes vs rgb24 only', await benchDecodePlanes());
}
