import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDerived } from '../../../src/metrics/frame-derived.js';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import type { SampleContext } from '../../../src/metrics/types.js';
import { runsOffThread } from '../../../src/metrics/worker/eligible.js';
import { setMetricThreads, shutdownMetricWorkers } from '../../../src/metrics/worker/pool.js';
import { measureStream } from '../../../src/runs/measure-stream.js';
import type { MetricValues } from '../../../src/schema/values.js';
import { decodeFrameViews } from '../../../src/video/decode.js';
import type { FrameView } from '../../../src/video/frame-view.js';
import { probeVideo } from '../../../src/video/probe.js';

/**
 * The full weight-free set gives the same values with the per-frame derived-data cache shared by every
 * metric (as measure-stream and the worker run them) as with each metric computing alone, on real decoded
 * clips: 512×512 (exact-half planes shared by sharpness, dynamic_degree and the smoothness pyramid) and
 * 256×192 (warping_error at its own size shares the full-resolution pyramid; the 256-px planes grow).
 */

await Promise.all(metricNames().map((n) => loadMetric(n)));
const NAMES = metricNames().filter((n) => {
  const def = loadedMetric(n);
  return def?.readsPixels && runsOffThread(def, false);
});

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tci-derived-'));
  for (const [w, h] of [
    [512, 512],
    [256, 192],
  ]) {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-nostdin', '-y', '-f', 'lavfi'],
      ...['-i', `testsrc2=size=${w}x${h}:rate=16,noise=alls=6:allf=t+u:all_seed=3`],
      ...['-frames:v', '9', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
      join(dir, `${w}x${h}.mp4`),
    ]);
  }
});

afterAll(async () => {
  setMetricThreads(undefined);
  await shutdownMetricWorkers();
  await rm(dir, { recursive: true, force: true });
});

async function context(file: string): Promise<SampleContext> {
  const video = await probeVideo(file);
  return { sampleId: 's', testId: 't', prompt: '', seed: 0, video, timings: {}, metadata: {} };
}

async function decode(file: string): Promise<FrameView[]> {
  const frames: FrameView[] = [];
  for await (const f of decodeFrameViews(file)) frames.push(f);
  return frames;
}

/** Every metric created with the given cache (undefined: each its own), fed the same frames in order. */
function measureAll(
  frames: readonly FrameView[],
  ctx: SampleContext,
  derived: FrameDerived | undefined,
): Record<string, MetricValues> {
  const accs = NAMES.map((n) => {
    const def = loadedMetric(n)!;
    return [n, def.create(def.params.parse({}), { ...ctx, derived })] as const;
  });
  for (const f of frames) for (const [, acc] of accs) acc.push(f);
  return Object.fromEntries(accs.map(([n, acc]) => [n, acc.finish() as MetricValues]));
}

describe('shared per-frame derived data', () => {
  for (const clip of ['512x512', '256x192']) {
    it(`gives every metric's values unchanged on a decoded ${clip} clip`, async () => {
      const file = join(dir, `${clip}.mp4`);
      const ctx = await context(file);
      expect(NAMES).toContain('warping_error');
      const alone = measureAll(await decode(file), ctx, undefined);
      const derived = new FrameDerived();
      const shared = measureAll(await decode(file), ctx, derived);
      expect(shared).toEqual(alone);
      // Sharing happened: planes or pyramids were served to a second metric.
      expect(derived.hits).toBeGreaterThan(0);
      // The real measuring path (in-thread, then split over two workers) gives the same values too.
      for (const threads of [0, 2]) {
        setMetricThreads(threads);
        const streamed = await measureStream({
          metrics: NAMES.map((n) => {
            const def = loadedMetric(n)!;
            return { name: n, def, params: def.params.parse({}) as Record<string, unknown> };
          }),
          ctx,
          frames: () => decodeFrameViews(file),
          signal: new AbortController().signal,
          timings: {},
        });
        expect(streamed).toEqual(alone);
      }
    });
  }
});
