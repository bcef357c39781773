import { describe, expect, it } from 'vitest';
import { interpolateLinearBlend, reconstructionMad } from '../../../src/metrics/kernels/interpolate.js';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import type { SampleContext } from '../../../src/metrics/types.js';
import { type VbenchTemporalParams, vbenchTemporal } from '../../../src/metrics/vbench-temporal.js';
import type { MetricValues } from '../../../src/schema/values.js';
import type { FrameView } from '../../../src/video/frame-view.js';
import {
  bandLimitedTexture,
  flickerClip,
  hardCutClip,
  panClip,
  shiftedFrame,
  solidFrame,
  staticClip,
} from '../../support/synthetic.js';

// The implementations, imported once: the registry holds only metadata until a metric is loaded.
await Promise.all(metricNames().map((n) => loadMetric(n)));

function ctx(frames: readonly FrameView[]): SampleContext {
  const f = frames[0];
  return {
    sampleId: 's0',
    testId: 't0',
    prompt: 'synthetic',
    seed: 0,
    video: {
      path: 'synthetic.mp4',
      width: f?.width ?? 0,
      height: f?.height ?? 0,
      fps: 16,
      frameCount: frames.length,
      codec: 'h264',
      durationSec: frames.length / 16,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata: {},
  };
}

function run(frames: readonly FrameView[], raw: unknown = {}): MetricValues {
  const params: VbenchTemporalParams = vbenchTemporal.params.parse(raw);
  const acc = vbenchTemporal.create(params, ctx(frames));
  for (const f of frames) acc.push(f);
  const out = acc.finish();
  // The contract allows a Promise; this metric is pure arithmetic and must answer synchronously.
  if (out instanceof Promise) throw new Error('vbench_temporal.finish() returned a Promise');
  return out;
}

function dim(values: MetricValues, d: string): number | null {
  const dims = values.dims;
  if (dims === null || typeof dims !== 'object') throw new Error('no dims');
  const v = dims[d];
  if (typeof v === 'object' && v !== null) throw new Error(`dims.${d} is not a leaf`);
  if (v === undefined) throw new Error(`dims.${d} missing`);
  return v;
}

/** motion_smoothness with the naive blend interpolator, VBench's construction otherwise. */
function blendSmoothness(frames: readonly FrameView[]): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k + 2 < frames.length; k += 2) {
    sum += reconstructionMad(interpolateLinearBlend(frames[k]!.rgb, frames[k + 2]!.rgb), frames[k + 1]!.rgb);
    n++;
  }
  return (255 - sum / n) / 255;
}

// The metrics.md §3.4 setup: a 256×256 band-limited random texture, 16 frames.
const tex = bandLimitedTexture({ width: 256, height: 256, seed: 1 });

describe('vbench_temporal', () => {
  it('is registered and describes its proxies', () => {
    expect(loadedMetric('vbench_temporal')).toBe(vbenchTemporal);
    expect(vbenchTemporal.readsPixels).toBe(true);
    expect(vbenchTemporal.description).toMatch(/exact/);
    expect(vbenchTemporal.description).toMatch(
      /motion_smoothness and subject_consistency are weight-free stand-ins/,
    );
    expect(vbenchTemporal.higherIsBetter('dims.motion_smoothness')).toBe(true);
    expect(vbenchTemporal.higherIsBetter('dims.nope')).toBeUndefined();
  });

  it('scores a static clip 1.0 on all three dims', () => {
    const v = run(staticClip(tex, 16));
    expect(dim(v, 'temporal_flicker')).toBe(1);
    expect(dim(v, 'motion_smoothness')).toBe(1);
    expect(dim(v, 'subject_consistency')).toBeCloseTo(1, 12);
    expect(v.score).toBeCloseTo(1, 12);
  });

  it('gives ±4 brightness flicker exactly 1 − 8/255 (flicker and smoothness alike, as in §3.4)', () => {
    const v = run(flickerClip(tex, 16, 4));
    expect(dim(v, 'temporal_flicker')).toBeCloseTo(1 - 8 / 255, 6);
    expect(dim(v, 'motion_smoothness')).toBeCloseTo(1 - 8 / 255, 6);
  });

  it('reproduces the §3.4 flicker column for pans', () => {
    // Table: 0.9787 / 0.9593 / 0.9307 / 0.9114 at 1 / 2 / 4 / 8 px/frame; a different random texture.
    const expected: [number, number][] = [
      [1, 0.9787],
      [2, 0.9593],
      [4, 0.9307],
      [8, 0.9114],
    ];
    for (const [px, want] of expected) {
      expect(dim(run(panClip(tex, 16, px), { dims: ['temporal_flicker'] }), 'temporal_flicker')).toBeCloseTo(
        want,
        2,
      );
    }
  });

  it.each([2, 4, 8])('ranks a smooth %i px/frame pan clearly above the same pan with judder', (px) => {
    const smooth = dim(run(panClip(tex, 16, px), { dims: ['motion_smoothness'] }), 'motion_smoothness')!;
    const judder = dim(
      run(panClip(tex, 16, px, { judder: true }), { dims: ['motion_smoothness'] }),
      'motion_smoothness',
    )!;
    expect(smooth).toBeGreaterThan(0.995);
    expect(smooth - judder).toBeGreaterThan(0.03);
  });

  it('matches the §3.4 bilateral column at 4 px/frame (smooth ≈ 0.998, judder ≈ 0.931)', () => {
    const only = { dims: ['motion_smoothness'] };
    expect(dim(run(panClip(tex, 16, 4), only), 'motion_smoothness')).toBeCloseTo(0.9982, 2);
    expect(dim(run(panClip(tex, 16, 4, { judder: true }), only), 'motion_smoothness')).toBeCloseTo(0.9311, 2);
  });

  it('regression: the linear blend ranks judder above a smooth pan (why motion compensation is needed)', () => {
    // At 2 px/frame the blend still orders them correctly (0.978 vs 0.965): its error on the smooth pan
    // grows with the displacement, and from about 4 px/frame on it exceeds the judder's.
    for (const px of [4, 8]) {
      expect(blendSmoothness(panClip(tex, 16, px, { judder: true }))).toBeGreaterThan(
        blendSmoothness(panClip(tex, 16, px)),
      );
    }
    // §3.4 blend column at 4 px/frame: smooth 0.9465, judder 0.9557.
    expect(blendSmoothness(panClip(tex, 16, 4))).toBeCloseTo(0.9465, 2);
    expect(blendSmoothness(panClip(tex, 16, 4, { judder: true }))).toBeCloseTo(0.9557, 2);
  });

  it('drops subject_consistency on a hard cut to unrelated content', () => {
    const other = bandLimitedTexture({ width: 256, height: 256, seed: 2, mean: [60, 170, 110], sigma: 6 });
    const cut = dim(
      run(hardCutClip(tex, other, 16, 8), { dims: ['subject_consistency'] }),
      'subject_consistency',
    )!;
    expect(cut).toBeLessThan(0.75);
    // A cut back to the same content is no cut.
    const same = dim(
      run(hardCutClip(tex, tex, 16, 8), { dims: ['subject_consistency'] }),
      'subject_consistency',
    )!;
    expect(same).toBeCloseTo(1, 12);
  });

  it('returns only the requested dims and paths', () => {
    const params = vbenchTemporal.params.parse({ dims: ['temporal_flicker', 'subject_consistency'] });
    expect(vbenchTemporal.paths(params)).toEqual([
      'score',
      'dims.temporal_flicker',
      'dims.subject_consistency',
    ]);
    const v = run(flickerClip(tex, 4, 4), params);
    expect(Object.keys(v.dims as MetricValues)).toEqual(['temporal_flicker', 'subject_consistency']);
    expect(v.score).toBeCloseTo((dim(v, 'temporal_flicker')! + dim(v, 'subject_consistency')!) / 2, 12);
  });

  it('validates params strictly', () => {
    const all = vbenchTemporal.params.parse({});
    expect(all.dims).toEqual(['temporal_flicker', 'motion_smoothness', 'subject_consistency']);
    expect(vbenchTemporal.paths(all)).toHaveLength(4);
    expect(vbenchTemporal.params.safeParse({ dims: ['temporal_flickering'] }).success).toBe(false);
    expect(vbenchTemporal.params.safeParse({ dims: [] }).success).toBe(false);
    expect(
      vbenchTemporal.params.safeParse({ dims: ['motion_smoothness', 'motion_smoothness'] }).success,
    ).toBe(false);
    expect(vbenchTemporal.params.safeParse({ dim: ['motion_smoothness'] }).success).toBe(false);
  });

  it('needs 3 frames for smoothness and 2 for the others; a missing dim makes score null', () => {
    const two = run(staticClip(tex, 2));
    expect(dim(two, 'motion_smoothness')).toBeNull();
    expect(dim(two, 'temporal_flicker')).toBe(1);
    expect(two.score).toBeNull();
    const one = run(staticClip(tex, 1));
    expect(dim(one, 'temporal_flicker')).toBeNull();
    expect(dim(one, 'subject_consistency')).toBeNull();
    expect(run([]).score).toBeNull();
    expect(dim(run(staticClip(tex, 3)), 'motion_smoothness')).toBe(1);
  });

  it('drops the last odd frame of an even-length clip, as VBench does', () => {
    const frames = [...staticClip(tex, 3), solidFrame(3, 256, 256, [0, 0, 0])];
    expect(dim(run(frames, { dims: ['motion_smoothness'] }), 'motion_smoothness')).toBe(1);
  });

  it.each([
    [1, 1],
    [5, 3],
    [37, 23],
    [33, 200],
  ])('handles a %ix%i clip: static stays at 1, a pan gives values in [0, 1]', (w, h) => {
    const small = bandLimitedTexture({ width: w, height: h, seed: 5, sigma: 1 });
    const still = run(staticClip(small, 5));
    expect(dim(still, 'temporal_flicker')).toBe(1);
    expect(dim(still, 'motion_smoothness')).toBe(1);
    expect(dim(still, 'subject_consistency')).toBeCloseTo(1, 12);
    const moving = run(panClip(small, 5, 2));
    for (const d of ['temporal_flicker', 'motion_smoothness', 'subject_consistency']) {
      const v = dim(moving, d)!;
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('rejects a frame size change within a sample', () => {
    const acc = vbenchTemporal.create(vbenchTemporal.params.parse({}), ctx([]));
    acc.push(shiftedFrame(tex, 0, 0, 0));
    expect(() => acc.push(solidFrame(1, 128, 128, [0, 0, 0]))).toThrow(/METRIC_FAILED|128x128/);
  });
});
