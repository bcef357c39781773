import { describe, expect, it } from 'vitest';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import type { SampleContext } from '../../../src/metrics/types.js';
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

/** Behaviour of the weight-free metric set on synthetic clips (test/support/synthetic.ts). */

const W = 128;
const H = 96;

function ctx(fps = 8): SampleContext {
  return {
    sampleId: 's',
    testId: 't',
    prompt: '',
    seed: 0,
    video: {
      path: 'x',
      width: W,
      height: H,
      fps,
      frameCount: 0,
      codec: 'h264',
      durationSec: 0,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata: {},
  };
}

function measure(name: string, frames: readonly FrameView[], params: unknown = {}, fps = 8): MetricValues {
  const def = loadedMetric(name)!;
  const acc = def.create(def.params.parse(params), ctx(fps));
  for (const f of frames) acc.push(f);
  return acc.finish() as MetricValues;
}

const tex = bandLimitedTexture({ width: W, height: H, seed: 11 });
const other = bandLimitedTexture({ width: W, height: H, seed: 12 });

describe('freeze_ratio', () => {
  it('finds repeated frames and nothing in a smooth pan', () => {
    const pan = panClip(tex, 12, 2);
    expect(measure('freeze_ratio', pan)).toEqual({ ratio: 0, frozen_pairs: 0, longest_run: 0 });
    // Judder holds every position for two frames: every other pair is a duplicate.
    const judder = panClip(tex, 12, 2, { judder: true });
    const r = measure('freeze_ratio', judder);
    expect(r.frozen_pairs).toBe(6);
    expect(r.ratio).toBeCloseTo(6 / 11, 12);
    expect(measure('freeze_ratio', staticClip(tex, 5))).toEqual({
      ratio: 1,
      frozen_pairs: 4,
      longest_run: 4,
    });
  });
});

describe('scene_cuts', () => {
  it('finds a hard cut between two different scenes and none in a pan', () => {
    const red = Array.from({ length: 20 }, (_, t) => solidFrame(t, 32, 32, [200, 30, 30]));
    const blue = Array.from({ length: 20 }, (_, t) => solidFrame(20 + t, 32, 32, [30, 30, 200]));
    const cut = measure('scene_cuts', [...red, ...blue]);
    expect(cut.cuts).toBe(1);
    expect(cut.max_content_val as number).toBeGreaterThan(27);
    expect(measure('scene_cuts', panClip(tex, 20, 2)).cuts).toBe(0);
  });

  it('respects min_scene_len: a second cut within 15 frames is not counted', () => {
    const frames = hardCutClip(tex, other, 40, 20).map((f, t) =>
      t >= 25 && t < 30 ? solidFrame(t, W, H, [250, 250, 0]) : f,
    );
    expect(measure('scene_cuts', frames, { threshold: 10 }).cuts).toBe(1);
    expect(measure('scene_cuts', frames, { threshold: 10, min_scene_len: 3 }).cuts).toBe(3);
  });
});

describe('dynamic_degree', () => {
  it('is 0 for a static clip and dynamic for an 8 px/frame pan', () => {
    const still = measure('dynamic_degree', staticClip(tex, 16));
    expect(still).toMatchObject({ dynamic: 0, moving_pairs: 0, top_flow_max: 0 });
    // Frames are resized to a 256 px shorter side (x 2.67), so 4 px/frame becomes ~10.7 px.
    const pan = measure('dynamic_degree', panClip(tex, 16, 4));
    expect(pan.dynamic).toBe(1);
    expect(pan.moving_pairs).toBe(15);
    expect(pan.top_flow_max as number).toBeGreaterThan(6);
  });

  it('samples at ~8 fps: at 24 fps only every third frame is compared', () => {
    const pan = measure('dynamic_degree', panClip(tex, 24, 1), {}, 24);
    // 8 sampled frames, 7 pairs of 3 px at native size = 8 px after the resize.
    expect(pan.moving_pairs).toBe(7);
    expect(pan.dynamic).toBe(1);
  });
});

describe('frame_consistency', () => {
  it('is 1 for a static clip; drifts from the first frame in a pan more than between neighbours', () => {
    expect(measure('frame_consistency', staticClip(tex, 6))).toEqual({ consecutive: 1, first_frame: 1 });
    const pan = measure('frame_consistency', panClip(tex, 10, 1));
    expect(pan.consecutive as number).toBeLessThan(1);
    expect(pan.first_frame as number).toBeLessThan(pan.consecutive as number);
  });
});

describe('sharpness, colorfulness, exposure', () => {
  it('sharpness: zero on flat frames, higher for detailed texture than for a blurred copy', () => {
    expect(measure('sharpness', [solidFrame(0, W, H, [90, 90, 90])]).mean).toBe(0);
    const sharp = measure('sharpness', [shiftedFrame(tex, 0, 0, 0)]).mean as number;
    const blurredTex = bandLimitedTexture({ width: W, height: H, seed: 11, sigma: 6 });
    const soft = measure('sharpness', [shiftedFrame(blurredTex, 0, 0, 0)]).mean as number;
    expect(sharp).toBeGreaterThan(soft);
  });

  it('colorfulness: 0 for gray, the Hasler-Susstrunk value for a solid colour', () => {
    expect(measure('colorfulness', [solidFrame(0, 8, 8, [120, 120, 120])]).mean).toBe(0);
    // Solid red: sigma = 0, mu = sqrt(255^2 + 127.5^2), M = 0.3 * mu.
    expect(measure('colorfulness', [solidFrame(0, 8, 8, [255, 0, 0])]).mean).toBeCloseTo(
      0.3 * Math.hypot(255, 127.5),
      9,
    );
  });

  it('exposure: shares of clipped highlights and crushed shadows', () => {
    const rgb = new Uint8Array(4 * 4 * 3);
    rgb.fill(255, 0, 4 * 3); // first row white
    rgb.fill(0, 4 * 3, 12 * 3); // two rows black
    rgb.fill(128, 12 * 3); // last row mid gray
    const f = solidFrame(0, 4, 4, [0, 0, 0]);
    f.rgb.set(rgb);
    const e = measure('exposure', [f]);
    expect(e).toEqual({ highlights: 0.25, shadows: 0.5, highlights_max: 0.25, shadows_max: 0.5 });
    expect(measure('exposure', flickerClip(tex, 4, 4)).highlights).toBe(0);
  });
});
