/**
 * Bench (a) of the metrics issue: the full weight-free pixel metric set measured through the real path
 * (streamed decode, metric worker threads; src/runs/measure-stream.ts) against ffmpeg decoding the same
 * clips to rgb24 and discarding them, in the same run. Rows: in-thread (TEMPORALCI_METRIC_THREADS=0), one
 * worker overlapping decode, one sample's metrics split over every core, and as many samples at once as
 * cores (run.workers); the worker rows must give exactly the in-thread values. Per-metric rows (ms/frame,
 * in-thread) say where the time goes.
 *
 *   npx tsx bench/measure.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { loadMetric, METRICS } from '../src/metrics/registry.js';
import { runsOffThread } from '../src/metrics/worker/eligible.js';
import { setMetricThreads, shutdownMetricWorkers } from '../src/metrics/worker/pool.js';
import { runProcess } from '../src/platform/process.js';
import { measureStream, type StreamMetric } from '../src/runs/measure-stream.js';
import type { MetricValues } from '../src/schema/values.js';
import { decodeFrameViews } from '../src/video/decode.js';
import { locateFfmpeg } from '../src/video/ffmpeg.js';
import { probeVideo } from '../src/video/probe.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

/** Every registered metric that reads pixels, needs no model weights and no reference. */
export async function weightFreeSet(): Promise<StreamMetric[]> {
  const defs = await Promise.all(Object.keys(METRICS).map((n) => loadMetric(n)));
  return defs
    .filter((def) => def.readsPixels && runsOffThread(def, false))
    .map((def) => ({ name: def.name, def, params: def.params.parse({}) as Record<string, unknown> }));
}

/** A moving test pattern with temporal grain (like a generated clip: nothing repeats exactly), x264. */
export async function makeClip(
  file: string,
  seconds: number,
  side: number,
  seed: number,
  height = side,
): Promise<void> {
  const { ffmpeg } = await locateFfmpeg();
  const r = await runProcess(ffmpeg, [
    ...['-v', 'error', '-nostdin', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc2=size=${side}x${height}:rate=24,noise=alls=6:allf=t+u:all_seed=${seed}`],
    ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file],
  ]);
  if (r.code !== 0) throw new Error(`ffmpeg could not make ${file}: ${r.stderrTail}`);
}

export async function decodeOnlySeconds(files: readonly string[]): Promise<number> {
  const { ffmpeg } = await locateFfmpeg();
  const start = performance.now();
  for (const f of files) {
    const r = await runProcess(ffmpeg, [
      '-v',
      'error',
      '-nostdin',
      '-i',
      f,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-y',
      '/dev/null',
    ]);
    if (r.code !== 0) throw new Error(`ffmpeg decode of ${f} failed: ${r.stderrTail}`);
  }
  return (performance.now() - start) / 1000;
}

/** One file through the measuring loop, as a suite sample is measured. */
export async function measureFile(
  file: string,
  metrics: readonly StreamMetric[],
): Promise<Record<string, MetricValues>> {
  const video = await probeVideo(file);
  const signal = new AbortController().signal;
  return measureStream({
    metrics,
    ctx: {
      sampleId: path.basename(file),
      testId: 'bench',
      prompt: '',
      seed: 0,
      video,
      timings: {},
      metadata: {},
      promptClass: null,
    },
    frames: () => decodeFrameViews(file, { signal }),
    signal,
    timings: {},
  });
}

/** Wall seconds to measure every file, `concurrency` samples at a time (as run.workers). */
async function measureAll(
  files: readonly string[],
  metrics: readonly StreamMetric[],
  concurrency: number,
): Promise<{ seconds: number; values: Record<string, MetricValues>[] }> {
  const values: Record<string, MetricValues>[] = new Array(files.length);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const i = next++;
        values[i] = await measureFile(files[i]!, metrics);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, values };
}

const CLIPS = 4;
const SECONDS = 5;
const SIDE = 512;

export async function benchMeasure(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tci-bench-measure-'));
  try {
    const files = Array.from({ length: CLIPS }, (_, i) => path.join(dir, `clip${i}.mp4`));
    await Promise.all(files.map((f, i) => makeClip(f, SECONDS, SIDE, i + 1)));
    const frames = (await Promise.all(files.map((f) => probeVideo(f)))).reduce((a, v) => a + v.frameCount, 0);
    const full = await weightFreeSet();
    const clipNote = `${CLIPS} clips x ${SECONDS} s, ${SIDE}x${SIDE} 24 fps x264, ${frames} frames`;
    await measureFile(files[0]!, full); // warm-up: JIT and worker start-up are not per-sample costs
    const decode = await decodeOnlySeconds(files);
    const decodeFps = frames / decode;
    const rows: BenchResult[] = [
      { name: 'ffmpeg decode-only (rgb24 to /dev/null)', value: decodeFps, unit: 'frames/s', note: clipNote },
    ];
    const cores = os.availableParallelism();
    const configs: [string, number, number][] = [
      ['full set, in-thread (METRIC_THREADS=0)', 0, 1],
      ['full set, 1 worker, overlapped with decode', 1, 1],
      [`full set, one sample split over ${cores} workers`, cores, 1],
      [`full set, ${cores} samples at once (run.workers ${cores})`, cores, cores],
    ];
    let reference: Record<string, MetricValues>[] | undefined;
    for (const [name, threads, concurrency] of configs) {
      setMetricThreads(threads);
      const r = await measureAll(files, full, concurrency);
      reference ??= r.values;
      if (!isDeepStrictEqual(r.values, reference)) throw new Error(`${name}: values differ from in-thread`);
      rows.push({
        name,
        value: frames / r.seconds,
        unit: 'frames/s',
        reference: decodeFps,
        ratio: decode / r.seconds,
        note: `${full.length} metrics; goal ratio >= 0.8`,
      });
    }
    // Where the time goes: each metric alone, in-thread, on one clip (decode included once per row).
    setMetricThreads(0);
    const clipFrames = (await probeVideo(files[0]!)).frameCount;
    const base = (await measureAll([files[0]!], [full.find((m) => m.name === 'exposure')!], 1)).seconds;
    for (const m of full) {
      const s = (await measureAll([files[0]!], [m], 1)).seconds;
      rows.push({
        name: `  ${m.name}`,
        value: (1000 * s) / clipFrames,
        unit: 'ms/frame',
        note: 'decode + this metric, in-thread',
      });
    }
    rows.push({
      name: '  (decode + exposure, cheapest)',
      value: (1000 * base) / clipFrames,
      unit: 'ms/frame',
    });
    return rows;
  } finally {
    setMetricThreads(undefined);
    await shutdownMetricWorkers();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('measure: full metric set vs ffmpeg decode-only', await benchMeasure());
}
