import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTemporalCIError } from '../../../src/errors.js';
import {
  type Classifier,
  importOptional,
  isUpscaled,
  loadClassifier,
} from '../../../src/metrics/safety/classifier.js';
import { safetyParams, safetyT2v } from '../../../src/metrics/safety/index.js';
import { NSFW_CLASSES } from '../../../src/metrics/safety/policy.js';
import type { SampleContext } from '../../../src/metrics/types.js';
import { FrameView } from '../../../src/video/frame-view.js';
import { checkerboard, gradient, skinPatch, type TestFrame } from './safety-frames.js';

// Measured once with MobileNetV2 on the tfjs wasm backend (nsfwjs 4.3.0, tfjs 4.22.0), then pinned.
const GOLDEN = {
  gradient: {
    Drawing: 0.897972643,
    Hentai: 0.018602699,
    Neutral: 0.079217203,
    Porn: 0.003338934,
    Sexy: 0.000868418,
  },
  checkerboard: {
    Drawing: 0.006669632,
    Hentai: 0.000674036,
    Neutral: 0.992144525,
    Porn: 0.000451536,
    Sexy: 0.00006024,
  },
  skinPatch: {
    Drawing: 0.25548321,
    Hentai: 0.00136763,
    Neutral: 0.743085265,
    Porn: 0.000048892,
    Sexy: 0.000015002,
  },
};

const realFetch = globalThis.fetch;
const fetchCalls: string[] = [];
let classifier: Classifier;
const throwingFetch = ((input: unknown) => {
  fetchCalls.push(String(input));
  throw new Error('network disabled in this test');
}) as typeof fetch;
let consoleInfo: typeof console.info;

beforeAll(async () => {
  // Any network attempt during load or classification fails the test: the weights and wasm are local.
  globalThis.fetch = throwingFetch;
  consoleInfo = console.info;
  classifier = await loadClassifier('MobileNetV2');
}, 120_000);

afterAll(() => {
  globalThis.fetch = realFetch;
});

function expectGolden(actual: Record<string, number>, golden: Record<string, number>): void {
  for (const c of NSFW_CLASSES) expect(actual[c], c).toBeCloseTo(golden[c]!, 4);
}

function context(frameCount: number): SampleContext {
  return {
    sampleId: 's0',
    testId: 't0',
    prompt: 'a cat',
    seed: 0,
    video: {
      path: 'x.mp4',
      width: 224,
      height: 224,
      fps: 8,
      frameCount,
      codec: 'h264',
      durationSec: frameCount / 8,
      pixelFormat: 'yuv420p',
    },
    timings: {},
    metadata: {},
  };
}

function view(f: TestFrame, index: number): FrameView {
  return new FrameView({ index, width: f.width, height: f.height, format: 'rgb24', data: f.rgb });
}

describe('nsfwjs classifier (wasm backend, offline)', () => {
  it('loads from the installed packages with fetch disabled, and keeps tfjs chatter off stdout', () => {
    expect(fetchCalls).toEqual([]);
    expect(classifier.model).toBe('MobileNetV2');
    expect(classifier.loadLog.some((line) => line.includes("You're using the model"))).toBe(true);
    // The load-time guards are removed again: later fetch/console calls reach whatever was there before.
    expect(globalThis.fetch).toBe(throwingFetch);
    expect(console.info).toBe(consoleInfo);
  });

  it('returns the pinned probabilities for synthetic frames (downscale, exact size, upscale)', async () => {
    const [g, c, s] = await classifier.classify([gradient(), checkerboard(), skinPatch()]);
    expectGolden(g!, GOLDEN.gradient);
    expectGolden(c!, GOLDEN.checkerboard);
    expectGolden(s!, GOLDEN.skinPatch);
    for (const p of [g!, c!, s!]) expect(NSFW_CLASSES.reduce((a, k) => a + p[k], 0)).toBeCloseTo(1, 5);
    expect(fetchCalls).toEqual([]);
  });

  it('is loaded once per process and releases every tensor it creates', async () => {
    expect(await loadClassifier('MobileNetV2')).toBe(classifier);
    const tf = await importOptional<{ memory(): { numTensors: number } }>('@tensorflow/tfjs');
    const before = tf.memory().numTensors;
    await classifier.classify([gradient(), skinPatch()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a frame whose buffer does not match its size', async () => {
    const bad = { rgb: new Uint8Array(10), width: 4, height: 4 };
    await expect(classifier.classify([bad])).rejects.toMatchObject({ code: 'METRIC_FAILED' });
  });

  it('reports a missing optional package with the install hint', async () => {
    const err = await importOptional('temporalci-no-such-package-for-safety-test').catch((e: unknown) => e);
    expect(isTemporalCIError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 'METRIC_FAILED',
      message: expect.stringContaining(
        'safety_t2v needs the optional packages nsfwjs, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm',
      ),
      hint: 'npm install nsfwjs @tensorflow/tfjs @tensorflow/tfjs-backend-wasm',
    });
  });
});

describe('safety_t2v accumulator', () => {
  it('classifies only the K sampled frames (0, 6, 12, 18, 24 of 25)', async () => {
    const params = safetyParams.parse({ policies: ['sexual', 'violence'] });
    const acc = safetyT2v.create(params, context(25));
    // Sampled positions carry the checkerboard, all others the gradient: a wrong pick changes Drawing.max.
    for (let i = 0; i < 25; i++) acc.push(view(i % 6 === 0 ? checkerboard() : gradient(), i));
    const v = await acc.finish();
    expect(v.frames).toBe(5);
    const classes = v.classes as Record<string, Record<string, number>>;
    expect(classes.Drawing!.max).toBeCloseTo(GOLDEN.checkerboard.Drawing, 4);
    expect(classes.Neutral!.mean).toBeCloseTo(GOLDEN.checkerboard.Neutral, 4);
    const score = GOLDEN.checkerboard.Porn + GOLDEN.checkerboard.Hentai + GOLDEN.checkerboard.Sexy;
    expect(v.nsfw_score).toBeCloseTo(score, 4);
    expect(v).toMatchObject({ unsafe_frames: 0, unsafe: 0 });
  });

  it('uses every frame when the video is shorter than K, and flags frames at a low threshold', async () => {
    const params = safetyParams.parse({ frames: 5, threshold: 0.02 });
    const acc = safetyT2v.create(params, context(2));
    acc.push(view(gradient(), 0));
    acc.push(view(checkerboard(), 1));
    const v = await acc.finish();
    // gradient scores 0.0228 (>= 0.02), checkerboard 0.0012: one of two frames, so unsafe at fraction 0.5.
    expect(v).toMatchObject({ frames: 2, unsafe_frames: 1, unsafe: 1 });
  });

  it('records that a frame below the model input (224 px) was enlarged, as on a 64 px mock clip', async () => {
    expect(classifier.inputSize).toBe(224);
    const beige = { rgb: new Uint8Array(64 * 64 * 3).fill(0), width: 64, height: 64 };
    for (let i = 0; i < beige.rgb.length; i += 3) beige.rgb.set([222, 196, 160], i);
    const acc = safetyT2v.create(safetyParams.parse({}), context(3));
    for (let i = 0; i < 3; i++) acc.push(view(beige, i));
    const small = await acc.finish();
    expect(small.classifier).toEqual({ input_size: 224, upscaled: 1 });
    // A frame at or above the input size on both axes is only ever shrunk (or used as is).
    const big = safetyT2v.create(safetyParams.parse({}), context(2));
    big.push(view(checkerboard(), 0));
    big.push(view(gradient(), 1));
    const large = await big.finish();
    expect(large.classifier).toEqual({ input_size: 224, upscaled: 0 });
    expect(isUpscaled({ width: 320, height: 180 }, 224)).toBe(true); // 180 < 224: enlarged vertically
    expect(isUpscaled({ width: 224, height: 224 }, 224)).toBe(false);
    // Run level: how many samples were judged from enlarged frames.
    expect(safetyT2v.summarize?.([small, large, small], safetyParams.parse({}))?.upscaled_samples).toBe(2);
    expect(safetyT2v.summaryPaths?.(safetyParams.parse({}))).toContain('upscaled_samples');
    expect(safetyT2v.paths(safetyParams.parse({}))).toContain('classifier.upscaled');
  });

  it('fails clearly when none of the sampled frames arrived', async () => {
    const acc = safetyT2v.create(safetyParams.parse({}), context(25));
    acc.push(view(gradient(), 1));
    await expect(acc.finish()).rejects.toMatchObject({ code: 'METRIC_FAILED' });
  });
});
