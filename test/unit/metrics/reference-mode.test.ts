import { describe, expect, it } from 'vitest';
import { psnrFromMse } from '../../../src/metrics/kernels/ffmpeg/psnr.js';
import { ssimPlane } from '../../../src/metrics/kernels/ffmpeg/ssim.js';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import type { ReferenceFrames, SampleContext } from '../../../src/metrics/types.js';
import type { MetricValues } from '../../../src/schema/values.js';
import type { FrameView } from '../../../src/video/frame-view.js';
import { bandLimitedTexture, shiftedFrame, solidFrame } from '../../support/synthetic.js';

// The implementations, imported once: the registry holds only metadata until a metric is loaded.
await Promise.all(metricNames().map((n) => loadMetric(n)));

/** ssim/psnr with `mode: reference`: each scored frame against the truth the caller supplies. */

const W = 70;
const H = 45;

function ctx(reference?: ReferenceFrames): SampleContext {
  return {
    sampleId: 's',
    testId: 't',
    prompt: '',
    seed: 0,
    video: {
      path: 'x',
      width: W,
      height: H,
      fps: 8,
      frameCount: 4,
      codec: 'h264',
      durationSec: 0,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata: {},
    reference,
  };
}

/** A reference over a fixed truth list; `scored` picks the frames compared (interpolation skips kept ones). */
function truthOf(truth: FrameView[], scored: (i: number) => boolean) {
  const recorded: [string, number, number][] = [];
  const ref: ReferenceFrames = {
    frameAt: (i) => (scored(i) ? truth[i] : undefined),
    record: (m, i, v) => recorded.push([m, i, v]),
  };
  return { ref, recorded };
}

function run(name: string, frames: FrameView[], ref: ReferenceFrames): MetricValues {
  const def = loadedMetric(name)!;
  const acc = def.create(def.params.parse({ mode: 'reference' }), ctx(ref));
  for (const f of frames) acc.push(f);
  return acc.finish() as MetricValues;
}

describe('full-reference ssim and psnr', () => {
  const tex = bandLimitedTexture({ width: W, height: H, seed: 3 });
  const truth = [0, 1, 2, 3].map((i) => shiftedFrame(tex, i, 2 * i, 0));

  it('identical output: ssim 1, psnr capped, mse 0', () => {
    const { ref, recorded } = truthOf(truth, () => true);
    // Frames made from rgb24 carry their luma as one gray plane: no chroma, All = Y, average = y.
    expect(run('ssim', truth, ref)).toEqual({ mean: 1, min: 1, u: null, v: null, all: 1, all_min: 1 });
    expect(run('psnr', truth, ref)).toEqual({
      ...{ mean: 100, min: 100, mse_mean: 0, u: null, v: null, average: 100, average_min: 100 },
    });
    expect(recorded.filter(([m]) => m === 'psnr').map(([, i]) => i)).toEqual([0, 1, 2, 3]);
  });

  it('scores only the scored frames, with the same kernels as the ffmpeg ports', () => {
    // Output repeats the previous frame at odd indices (a "dup" interpolator); only those are scored.
    const output = truth.map((f, i) => (i % 2 === 1 ? shiftedFrame(tex, i, 2 * (i - 1), 0) : f));
    const { ref, recorded } = truthOf(truth, (i) => i % 2 === 1);
    const s = run('ssim', output, ref);
    const expected = [1, 3].map((i) => ssimPlane(output[i]!.luma, truth[i]!.luma, W, H));
    expect(s.mean).toBeCloseTo((expected[0]! + expected[1]!) / 2, 12);
    expect(s.mean as number).toBeLessThan(0.9);
    const p = run('psnr', output, ref);
    expect(p.mean as number).toBeLessThan(40);
    expect(p.mean).toBeCloseTo(psnrFromMse(p.mse_mean as number), 12);
    expect(recorded.filter(([m]) => m === 'ssim').map(([, i]) => i)).toEqual([1, 3]);
  });

  it('a size mismatch with the truth is a clear error', () => {
    const { ref } = truthOf([solidFrame(0, W + 2, H, [9, 9, 9])], () => true);
    expect(() => run('psnr', [truth[0]!], ref)).toThrow(/70x45, its reference is 72x45/);
  });

  it('without a reference, mode: reference refuses to start', () => {
    const def = loadedMetric('ssim')!;
    expect(() => def.create(def.params.parse({ mode: 'reference' }), ctx())).toThrow(
      /has no reference video/,
    );
  });
});
