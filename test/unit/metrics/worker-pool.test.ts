import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import { runsOffThread } from '../../../src/metrics/worker/eligible.js';
import { MetricSession, setMetricThreads, shutdownMetricWorkers } from '../../../src/metrics/worker/pool.js';
import type { WorkerSampleContext } from '../../../src/metrics/worker/protocol.js';
import type { MetricValues } from '../../../src/schema/values.js';
import { decodeFrameViews } from '../../../src/video/decode.js';
import type { FrameView } from '../../../src/video/frame-view.js';
import { bandLimitedTexture, frameView, panClip } from '../../support/synthetic.js';

// The implementations, imported once: the registry holds only metadata until a metric is loaded.
await Promise.all(metricNames().map((n) => loadMetric(n)));

/** The worker path must give exactly the in-thread values, keep errors per metric, and free its worker. */

const W = 96;
const H = 64;
const N = 9;

const ctx: WorkerSampleContext = {
  sampleId: 's',
  testId: 't',
  prompt: '',
  seed: 0,
  video: {
    path: 'x',
    width: W,
    height: H,
    fps: 8,
    frameCount: N,
    codec: 'h264',
    durationSec: 1,
    pixelFormat: 'yuv420p',
  },
  timings: {},
  metadata: {},
};

const NAMES = [
  'vbench_temporal',
  'ssim',
  'psnr',
  'vmaf_motion',
  'si',
  'ti',
  'dynamic_degree',
  'frame_consistency',
  'warping_error',
];
const tex = bandLimitedTexture({ width: W, height: H, seed: 5 });

/** Fresh frames each time: the worker path takes (detaches) their buffers. */
const clip = (): FrameView[] => panClip(tex, N, 3, { axis: 'xy' });

function inThread(name: string, frames: readonly FrameView[]): MetricValues {
  const def = loadedMetric(name)!;
  const acc = def.create(def.params.parse({}), ctx);
  for (const f of frames) acc.push(f);
  return acc.finish() as MetricValues;
}

afterAll(() => {
  setMetricThreads(undefined);
  return shutdownMetricWorkers();
});

describe('metric worker pool', () => {
  it('gives bit-identical values to in-thread measuring, transferring the frame buffers', async () => {
    const specs = NAMES.map((n) => ({
      name: n,
      registryName: n,
      params: loadedMetric(n)!.params.parse({}) as Record<string, unknown>,
    }));
    const session = await MetricSession.open(specs, ctx, new AbortController().signal);
    const frames = clip();
    for (const f of frames) await session.push(f, true);
    expect(frames[0]!.rgb.byteLength).toBe(0); // moved, not copied
    const outcomes = await session.finish();
    const expected = clip();
    expect(outcomes.map((o) => o.name)).toEqual(NAMES);
    for (const o of outcomes) {
      if (!o.ok) throw new Error(`${o.name}: ${o.error.message}`);
      expect(o.values).toEqual(inThread(o.name, expected));
    }
  });

  it('splits one sample over two workers by cost, with the same values', async () => {
    setMetricThreads(2);
    const specs = NAMES.map((n) => ({
      name: n,
      registryName: n,
      params: loadedMetric(n)!.params.parse({}) as Record<string, unknown>,
    }));
    const sessions = await MetricSession.openSplit(specs, () => 1, ctx, new AbortController().signal, 2);
    expect(sessions).toHaveLength(2);
    for (const f of clip()) {
      const last = sessions.length - 1;
      await Promise.all(sessions.map((s, i) => s.push(f, i === last)));
    }
    const outcomes = (await Promise.all(sessions.map((s) => s.finish()))).flat();
    expect(outcomes.map((o) => o.name).sort()).toEqual([...NAMES].sort());
    const expected = clip();
    for (const o of outcomes) {
      if (!o.ok) throw new Error(`${o.name}: ${o.error.message}`);
      expect(o.values).toEqual(inThread(o.name, expected));
    }
  });

  it('reports a metric that throws on a frame as that metric’s error; the others still measure', async () => {
    const specs = ['vbench_temporal', 'psnr'].map((n) => ({ name: n, registryName: n, params: {} }));
    specs[1]!.params = loadedMetric('psnr')!.params.parse({}) as Record<string, unknown>;
    specs[0]!.params = loadedMetric('vbench_temporal')!.params.parse({}) as Record<string, unknown>;
    const session = await MetricSession.open(specs, ctx, new AbortController().signal);
    const frames = clip();
    await session.push(frames[0]!, false);
    // A frame of another size: both metrics refuse it, each reporting its own error.
    await session.push(frameView(1, W / 2, H, new Uint8Array((W / 2) * H * 3)), false);
    const outcomes = await session.finish();
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    for (const o of outcomes) if (!o.ok) expect(o.error.message).toMatch(new RegExp(o.name));
  });

  it('rejects a pending session when its sample is aborted, and the next sample still measures', async () => {
    const ac = new AbortController();
    const spec = {
      name: 'ssim',
      registryName: 'ssim',
      params: loadedMetric('ssim')!.params.parse({}) as Record<string, unknown>,
    };
    const session = await MetricSession.open([spec], ctx, ac.signal);
    await session.push(clip()[0]!, true);
    ac.abort(new Error('interrupted'));
    await expect(session.finish()).rejects.toThrow('interrupted');
    const next = await MetricSession.open([spec], ctx, new AbortController().signal);
    for (const f of clip()) await next.push(f, true);
    const [o] = await next.finish();
    expect(o).toEqual({ name: 'ssim', ok: true, values: inThread('ssim', clip()) });
  });

  it('carries the stored planes of decoded frames to the worker, with the same values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tci-pool-'));
    try {
      const file = join(dir, 'clip.mp4');
      execFileSync('ffmpeg', [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=70x46:r=8:d=1'],
        ...['-pix_fmt', 'yuv420p', file],
      ]);
      const decoded = async (): Promise<FrameView[]> => {
        const out: FrameView[] = [];
        for await (const f of decodeFrameViews(file)) out.push(f);
        return out;
      };
      const names = ['ssim', 'psnr'];
      const specs = names.map((n) => ({
        name: n,
        registryName: n,
        params: loadedMetric(n)!.params.parse({}) as Record<string, unknown>,
      }));
      const session = await MetricSession.open(specs, ctx, new AbortController().signal);
      const frames = await decoded();
      expect(frames[0]!.hasStoredPlanes).toBe(true);
      for (const f of frames) await session.push(f, true);
      expect(frames[0]!.planes.buffer.byteLength).toBe(0); // the planes moved too
      const outcomes = await session.finish();
      const expected = await decoded();
      for (const o of outcomes) {
        if (!o.ok) throw new Error(`${o.name}: ${o.error.message}`);
        expect(o.values).toEqual(inThread(o.name, expected));
        // Chroma is measured, so the worker saw yuv420p planes, not a gray plane derived from rgb24.
        expect(o.values.u).toEqual(expect.any(Number));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps reference-mode and model metrics in-thread', () => {
    expect(runsOffThread(loadedMetric('ssim')!, true)).toBe(false);
    expect(runsOffThread(loadedMetric('safety_t2v')!, false)).toBe(false);
    expect(runsOffThread(loadedMetric('vbench_temporal')!, false)).toBe(true);
  });
});
