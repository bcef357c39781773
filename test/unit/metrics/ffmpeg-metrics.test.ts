import { describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import type { SampleContext } from '../../../src/metrics/types.js';
import type { MetricValues } from '../../../src/schema/values.js';
import { getLeaf } from '../../../src/schema/values.js';
import { FrameView } from '../../../src/video/frame-view.js';
import {
  absDiff,
  cNumber,
  gradientPlane,
  logValue,
  movingTexture,
  noisePlane,
  runFilter,
  yuv420FromLuma,
} from '../../support/ffmpeg-reference.js';
import { HAS_REFERENCE_FFMPEG } from '../../support/ffmpeg-version.js';

// The implementations, imported once: the registry holds only metadata until a metric is loaded.
await Promise.all(metricNames().map((n) => loadMetric(n)));

const W = 70;
const H = 45;
const NAMES = ['ssim', 'psnr', 'vmaf_motion', 'si', 'ti', 'scene_score'] as const;

/** Gray rgb24 (R = G = B = v), whose BT.601 luma is exactly v: ffmpeg gets the same bytes as our metrics. */
function view(index: number, luma: Uint8Array, width = W, height = H): FrameView {
  const rgb = new Uint8Array(luma.length * 3);
  for (let i = 0; i < luma.length; i++) rgb.fill(luma[i]!, i * 3, i * 3 + 3);
  return new FrameView({ index, width, height, format: 'rgb24', data: rgb });
}

function ctx(): SampleContext {
  return {
    sampleId: 's0',
    testId: 't0',
    prompt: 'p',
    seed: 0,
    video: {
      path: 'x.mp4',
      width: W,
      height: H,
      fps: 25,
      frameCount: 0,
      codec: 'h264',
      durationSec: 0,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata: {},
  };
}

async function measure(
  name: string,
  frames: readonly Uint8Array[],
  params: unknown = {},
): Promise<MetricValues> {
  const def = loadedMetric(name);
  if (def === undefined) throw new Error(`${name} is not registered`);
  const acc = def.create(def.params.parse(params), ctx());
  for (const [i, f] of frames.entries()) acc.push(view(i, f));
  return acc.finish();
}

function leaf(v: MetricValues, path: string): number {
  const x = getLeaf(v, path);
  if (typeof x !== 'number') throw new Error(`${path} is ${String(x)}`);
  return x;
}

const clip = (): Uint8Array[] => [
  ...movingTexture(W, H, 4, 2, 3),
  gradientPlane(W, H, 0),
  noisePlane(W, H, 4, 0, 15),
  noisePlane(W, H, 5, 0, 15),
];

describe('ffmpeg-port metrics', () => {
  it('are registered with strict params, declared paths and directions', () => {
    for (const name of NAMES) {
      const def = loadedMetric(name);
      expect(def?.name).toBe(name);
      expect(() => def?.params.parse({ nope: 1 })).toThrow();
      const params = def!.params.parse({});
      for (const p of def!.paths(params))
        expect(def!.higherIsBetter(p) === undefined || typeof def!.higherIsBetter(p) === 'boolean').toBe(
          true,
        );
    }
    expect(loadedMetric('ssim')!.params.parse({})).toEqual({ mode: 'consecutive' });
    expect(loadedMetric('ssim')!.params.parse({ mode: 'reference' })).toEqual({ mode: 'reference' });
    expect(() => loadedMetric('ssim')!.params.parse({ mode: 'nearest' })).toThrow();
    expect(loadedMetric('ssim')!.higherIsBetter('mean')).toBe(true);
    expect(loadedMetric('scene_score')!.higherIsBetter('max')).toBe(false);
  });

  it.skipIf(!HAS_REFERENCE_FFMPEG)('match the ffmpeg filters clip summaries on the same frames', async () => {
    const frames = clip();
    const pair = [
      { frames: frames.slice(1), width: W, height: H, format: 'gray' as const },
      { frames: frames.slice(0, -1), width: W, height: H, format: 'gray' as const },
    ];
    const yuvj = [
      {
        frames: frames.map((f) => yuv420FromLuma(f, W, H)),
        width: W,
        height: H,
        format: 'yuvj420p' as const,
      },
    ];
    const [ssimRef, psnrRef, vmRef, sitiRef, scRef] = await Promise.all([
      runFilter(pair, '[in0][in1]ssim[out]'),
      runFilter(pair, '[in0][in1]psnr[out]'),
      runFilter(yuvj, '[in0]vmafmotion[out]'),
      runFilter(yuvj, '[in0]siti=print_summary=1[out]'),
      runFilter([{ ...pair[0]!, frames }], '[in0]scdet[out]'),
    ]);
    const ssim = await measure('ssim', frames);
    expect(
      absDiff(leaf(ssim, 'mean'), logValue(ssimRef.log, /SSIM Y:\S+ \(\S+\) All:(\S+)/)),
    ).toBeLessThanOrEqual(1e-6);
    const minRef = Math.min(...ssimRef.frames.map((f) => cNumber(f['lavfi.ssim.Y'])));
    expect(absDiff(leaf(ssim, 'min'), minRef)).toBeLessThanOrEqual(1e-6);
    // One gray plane: ffmpeg's All is its Y, and so is ours.
    expect(leaf(ssim, 'all')).toBe(leaf(ssim, 'mean'));
    const psnr = await measure('psnr', frames);
    expect(
      absDiff(leaf(psnr, 'mean'), logValue(psnrRef.log, /PSNR y:\S+ average:(\S+)/)),
    ).toBeLessThanOrEqual(1e-6);
    expect(
      absDiff(leaf(psnr, 'min'), logValue(psnrRef.log, /PSNR y:\S+ average:\S+ min:(\S+)/)),
    ).toBeLessThanOrEqual(1e-6);
    expect(leaf(psnr, 'average')).toBe(leaf(psnr, 'mean'));
    expect(leaf(psnr, 'average_min')).toBe(leaf(psnr, 'min'));
    const vm = await measure('vmaf_motion', frames);
    expect(absDiff(leaf(vm, 'mean'), logValue(vmRef.log, /VMAF Motion avg: (\S+)/))).toBeLessThanOrEqual(
      5e-4 + 1e-9,
    );
    const vmMax = Math.max(...vmRef.frames.map((f) => cNumber(f['lavfi.vmafmotion.score'])));
    expect(absDiff(leaf(vm, 'max'), vmMax)).toBeLessThanOrEqual(5e-3 + 1e-9);
    const si = await measure('si', frames);
    const ti = await measure('ti', frames);
    const sum = (section: string, what: string) =>
      logValue(sitiRef.log, new RegExp(`${section}:\\s*(?:\\w+: \\S+\\s*)*?${what}: (\\S+)`));
    expect(absDiff(leaf(si, 'mean'), sum('Spatial Information', 'Average'))).toBeLessThanOrEqual(1e-6);
    expect(absDiff(leaf(si, 'max'), sum('Spatial Information', 'Max'))).toBeLessThanOrEqual(1e-6);
    expect(absDiff(leaf(ti, 'mean'), sum('Temporal Information', 'Average'))).toBeLessThanOrEqual(1e-6);
    expect(absDiff(leaf(ti, 'max'), sum('Temporal Information', 'Max'))).toBeLessThanOrEqual(1e-6);
    const sc = await measure('scene_score', frames);
    const scores = scRef.frames.slice(1).map((f) => cNumber(f['lavfi.scd.score']));
    expect(absDiff(leaf(sc, 'max'), Math.max(...scores))).toBeLessThanOrEqual(5e-4 + 1e-9);
    expect(leaf(sc, 'cuts')).toBe(scores.filter((s) => s >= 10).length);
  });

  it('read a frozen clip as frozen: SSIM 1, PSNR at its cap, no motion, no cut', async () => {
    const f = noisePlane(W, H, 42);
    const frames = [f, f, f, f];
    // Frames made from rgb24 carry one gray plane: no chroma, and All = Y, average = y.
    expect(await measure('ssim', frames)).toEqual({ mean: 1, min: 1, u: null, v: null, all: 1, all_min: 1 });
    expect(await measure('psnr', frames, { max_db: 80 })).toEqual({
      ...{ mean: 80, min: 80, mse_mean: 0, u: null, v: null, average: 80, average_min: 80 },
    });
    expect(await measure('vmaf_motion', frames)).toEqual({ mean: 0, max: 0 });
    expect(await measure('ti', frames)).toEqual({ mean: 0, max: 0 });
    expect(await measure('scene_score', frames)).toEqual({ max: 0, mean: 0, cuts: 0 });
  });

  it('report null when there is nothing to compare, and reject a frame of another size', async () => {
    const one = [noisePlane(W, H, 1)];
    const noSsim = { mean: null, min: null, u: null, v: null, all: null, all_min: null };
    expect(await measure('ssim', one)).toEqual(noSsim);
    expect(await measure('psnr', one)).toEqual({
      ...{ mean: null, min: null, mse_mean: null, u: null, v: null, average: null, average_min: null },
    });
    expect(await measure('scene_score', one)).toEqual({ max: null, mean: null, cuts: null });
    expect((await measure('ti', one)).mean).toBe(0);
    const tiny = loadedMetric('ssim')!.create({ mode: 'consecutive' }, ctx());
    tiny.push(view(0, new Uint8Array(36), 6, 6));
    tiny.push(view(1, new Uint8Array(36), 6, 6));
    expect(tiny.finish()).toEqual(noSsim);
    for (const name of NAMES) {
      const def = loadedMetric(name)!;
      const acc = def.create(def.params.parse({}), ctx());
      acc.push(view(0, noisePlane(W, H, 1)));
      expect(() => acc.push(view(1, noisePlane(W + 2, H, 1), W + 2, H))).toThrow(TemporalCIError);
    }
  });
});
