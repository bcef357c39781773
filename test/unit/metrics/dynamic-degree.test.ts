import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonRound, vbenchFrameStep, vbenchRequiredPairs } from '../../../src/metrics/dynamic-degree.js';
import { resizeArea } from '../../../src/metrics/kernels/image.js';
import { loadedMetric, loadMetric, metricNames } from '../../../src/metrics/registry.js';
import type { MetricValues } from '../../../src/schema/values.js';
import { decodeFrameViews } from '../../../src/video/decode.js';
import { encodeFrames } from '../../../src/video/encode.js';
import type { FrameView } from '../../../src/video/frame-view.js';
import { mulberry32 } from '../../support/synthetic.js';
import { makeTempDir, removeDir } from '../video/helpers.js';
import { grayView, panClip, texture } from './pan-clips.js';

// The implementations, imported once: the registry holds only metadata until a metric is loaded.
await Promise.all(metricNames().map((n) => loadMetric(n)));

/**
 * dynamic_degree against VBench's rule on motion of known speed: camera pans over a textured still, new
 * content entering at one edge (pan-clips.ts).
 *
 * At 512 px and 20 fps the rule compares frames 0, 2, 4, … (round(20/8) = round(2.5) = 2 in Python) and
 * measures at a 256 px shorter side, so a pan of v px/frame moves 2v px per compared pair at 512, i.e. v px
 * at the working size: the measured top-5 % flow must be v (within TOLERANCE), and the clip is dynamic
 * exactly when v > 6 in at least round(4·17/16) = 4 of its 16 pairs.
 */

const TOLERANCE = 0.1;

function measure(frames: readonly FrameView[], fps: number): MetricValues {
  const def = loadedMetric('dynamic_degree')!;
  const { width, height } = frames[0]!;
  const acc = def.create(def.params.parse({}), {
    sampleId: 's',
    testId: 't',
    prompt: '',
    seed: 0,
    video: {
      path: 'x.mp4',
      width,
      height,
      fps,
      frameCount: frames.length,
      codec: 'h264',
      durationSec: frames.length / fps,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata: {},
  });
  for (const f of frames) acc.push(f);
  return acc.finish() as MetricValues;
}

describe('resizeArea (the working-size shrink)', () => {
  it('averages what each output pixel covers, fractional coverage included', () => {
    // 5 -> 2 columns: output 0 covers [0, 2.5) (weights 1, 1, 0.5), output 1 covers [2.5, 5).
    const src = Uint8Array.from([10, 20, 30, 40, 50]);
    expect([...resizeArea(src, 5, 1, 2, 1)]).toEqual([
      Math.round((10 + 20 + 15) / 2.5),
      Math.round((15 + 40 + 50) / 2.5),
    ]);
    // The exact-halving fast path gives the rounded 2x2 means.
    const sq = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...resizeArea(sq, 4, 2, 2, 1)]).toEqual([Math.round(14 / 4), Math.round(22 / 4)]);
    expect(() => resizeArea(sq, 4, 2, 8, 4)).toThrow(RangeError);
  });
});

describe("VBench's rule, with Python's rounding", () => {
  it('frame step round(fps/8), half to even, at least 1', () => {
    expect(pythonRound(2.5)).toBe(2);
    expect(pythonRound(3.5)).toBe(4);
    expect(pythonRound(0.5)).toBe(0);
    expect(pythonRound(2.4999)).toBe(2);
    expect(vbenchFrameStep(20)).toBe(2); // round(2.5) = 2, not 3
    expect(vbenchFrameStep(12)).toBe(2); // round(1.5) = 2
    expect(vbenchFrameStep(36)).toBe(4); // round(4.5) = 4
    expect(vbenchFrameStep(24)).toBe(3);
    expect(vbenchFrameStep(30)).toBe(4); // round(3.75)
    expect(vbenchFrameStep(8)).toBe(1);
    expect(vbenchFrameStep(4)).toBe(1); // round(0.5) = 0; VBench's range() would fail on a step of 0
  });

  it('required moving pairs round(4·N/16), half to even', () => {
    expect(vbenchRequiredPairs(10)).toBe(2); // round(2.5)
    expect(vbenchRequiredPairs(6)).toBe(2); // round(1.5)
    expect(vbenchRequiredPairs(14)).toBe(4); // round(3.5)
    expect(vbenchRequiredPairs(18)).toBe(4); // round(4.5)
    expect(vbenchRequiredPairs(17)).toBe(4);
    expect(vbenchRequiredPairs(2)).toBe(0);
  });

  it('10 sampled frames with 2 moving pairs are dynamic (round(2.5) = 2, where rounding half up says 3)', () => {
    // 8 fps: every frame is sampled. Still, two 16 px jumps (8 px at the working size), still again.
    const at = [0, 0, 0, 0, 16, 32, 32, 32, 32, 32];
    const r = measure(
      panClip(512, 512, at.length, (t) => at[t]!),
      8,
    );
    expect(r.moving_pairs).toBe(2);
    expect(r.dynamic).toBe(1);
    expect(Math.abs((r.top_flow_max as number) - 8)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('dynamic_degree on pans of known speed over a textured still (20 fps, 33 frames)', () => {
  it('a still image is static, with no flow at all', () => {
    const r = measure(
      panClip(512, 512, 33, () => 0),
      20,
    );
    expect(r).toMatchObject({ dynamic: 0, moving_pairs: 0, top_flow_max: 0, top_flow_mean: 0 });
    expect(r.flow_coverage as number).toBeGreaterThan(0.9);
  });

  it.each([0.5, 2, 4, 5, 8, 16])('%s px/frame at 512x512 measures v px at the working size', (v) => {
    const r = measure(
      panClip(512, 512, 33, (t) => v * t),
      20,
    );
    expect(Math.abs((r.top_flow_max as number) - v)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs((r.top_flow_mean as number) - v)).toBeLessThanOrEqual(TOLERANCE);
    // VBench's decision for the true motion: every pair moves v px against a threshold of 6.
    const moving = v > 6;
    expect(r.moving_pairs).toBe(moving ? 16 : 0);
    expect(r.dynamic).toBe(moving ? 1 : 0);
    // Blocks leaving the frame at the trailing edge are excluded, the rest of the frame is measured.
    expect(r.flow_coverage as number).toBeGreaterThan(0.85);
  });

  it('5 px/frame at 20 fps stays static: a frame step of 3 (round half up) would read 7.5 px and call it dynamic', () => {
    const r = measure(
      panClip(512, 512, 33, (t) => 5 * t),
      20,
    );
    expect(r.dynamic).toBe(0);
    expect(Math.abs((r.top_flow_max as number) - 5)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('10 px/frame at 768x512 measures 10 px (shorter side 512 -> 256) and is dynamic', () => {
    const r = measure(
      panClip(768, 512, 33, (t) => 10 * t),
      20,
    );
    expect(Math.abs((r.top_flow_max as number) - 10)).toBeLessThanOrEqual(TOLERANCE);
    expect(r).toMatchObject({ dynamic: 1, moving_pairs: 16 });
  });

  it('half-pixel motion at the working size (5.5 and 6.5 px) falls on the right side of the threshold', () => {
    const slow = measure(
      panClip(512, 512, 33, (t) => 5.5 * t),
      20,
    );
    const fast = measure(
      panClip(512, 512, 33, (t) => 6.5 * t),
      20,
    );
    expect(Math.abs((slow.top_flow_mean as number) - 5.5)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs((fast.top_flow_mean as number) - 6.5)).toBeLessThanOrEqual(TOLERANCE);
    expect(slow.dynamic).toBe(0);
    expect(fast.dynamic).toBe(1);
  });

  it('brightness flicker and grain on a still are not motion', () => {
    const tex = texture(512, 512, 4);
    const rand = mulberry32(11);
    const flicker = Array.from({ length: 17 }, (_, t) =>
      grayView(t, 512, 512, (x, y) => tex[y * 512 + x]! + (t % 2 === 0 ? 8 : -8)),
    );
    const grain = Array.from({ length: 17 }, (_, t) =>
      grayView(t, 512, 512, (x, y) =>
        Math.max(0, Math.min(255, tex[y * 512 + x]! + Math.round((rand() - 0.5) * 12))),
      ),
    );
    for (const clip of [flicker, grain]) {
      const r = measure(clip, 8);
      expect(r.dynamic).toBe(0);
      expect(r.top_flow_max as number).toBeLessThan(0.2);
    }
  });
});

describe('dynamic_degree on an H.264 file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it.each([4, 8])(
    'a %s px/frame pan survives coding: within 0.25 px, decided as for the truth',
    async (v) => {
      const file = join(dir, `pan-${v}.mp4`);
      const frames = panClip(512, 512, 33, (t) => v * t);
      await encodeFrames(
        frames.map((f) => f.rgb),
        { output: file, width: 512, height: 512, fps: 20, crf: 18 },
      );
      const decoded: FrameView[] = [];
      for await (const f of decodeFrameViews(file)) decoded.push(f);
      const r = measure(decoded, 20);
      expect(Math.abs((r.top_flow_max as number) - v)).toBeLessThanOrEqual(0.25);
      expect(r.dynamic).toBe(v > 6 ? 1 : 0);
    },
  );
});
