import { describe, expect, it } from 'vitest';
import { buildScene, objectPose } from '../../../src/adapters/mock/scene.js';
import { equalBytes, key, meanAbsDiff, renderAll, vbenchFlicker } from './mock-helpers.js';

describe('mock renderer: determinism', () => {
  it('renders bit-identical frames for the same inputs', () => {
    const a = renderAll(key());
    const b = renderAll(key());
    expect(a).toHaveLength(16);
    expect(a.every((f, i) => equalBytes(f, b[i]!))).toBe(true);
    expect(a[0]!.length).toBe(96 * 64 * 3);
  });

  it('varies with the seed, the prompt, the model, the test and the video settings', () => {
    const base = renderAll(key())[5]!;
    const variants = [
      key({ seed: 8 }),
      key({ prompt: 'a blue car driving through the desert' }),
      key({ model: 'other-model' }),
      key({ testId: 'other-test' }),
      key({ video: { width: 96, height: 64, fps: 30, num_frames: 16 } }),
    ];
    for (const k of variants) expect(equalBytes(renderAll(k)[5]!, base)).toBe(false);
  });

  it('gives different seeds naturally different layouts and speeds', () => {
    const counts = new Set<number>();
    const motions = new Set<string>();
    for (let seed = 0; seed < 16; seed++) {
      const scene = buildScene(key({ seed }));
      counts.add(scene.objects.length);
      motions.add(vbenchFlicker(renderAll(key({ seed }), { noise_scale: 0 })).toFixed(4));
      expect(scene.objects.length).toBeGreaterThanOrEqual(3);
      expect(scene.objects.length).toBeLessThanOrEqual(6);
    }
    expect(counts.size).toBeGreaterThan(1);
    expect(motions.size).toBeGreaterThan(10);
  });
});

describe('mock renderer: scene from the prompt', () => {
  it('uses shape and colour words of the prompt', () => {
    const scene = buildScene(key({ prompt: 'a red ball and a blue car' }));
    expect(scene.objects[0]!.shape).toBe('circle');
    expect(scene.objects[1]!.shape).toBe('rect');
    const [r, g, b] = scene.objects[0]!.color;
    expect(r).toBeGreaterThan(g + 100);
    expect(r).toBeGreaterThan(b + 100);
  });

  it('keeps static prompts nearly still and pans on camera-movement prompts', () => {
    for (let seed = 0; seed < 6; seed++) {
      const still = buildScene(key({ seed, prompt: 'a static interview in an office' }));
      expect(still.motion).toBe('still');
      expect(still.pan).toEqual([0, 0]);
      const panning = buildScene(key({ seed, prompt: 'timelapse of clouds, slow camera pan' }));
      // Pan speeds are specified at 256 px and scaled by the short side (64 px here).
      expect(Math.hypot(...panning.pan)).toBeGreaterThanOrEqual(1.2 * (64 / 256) - 1e-3);
      const flickerStill = vbenchFlicker(
        renderAll(key({ seed, prompt: 'a static interview' }), { noise_scale: 0 }),
      );
      const flickerFast = vbenchFlicker(
        renderAll(key({ seed, prompt: 'fast racing cars' }), { noise_scale: 0 }),
      );
      expect(flickerStill).toBeGreaterThan(flickerFast);
    }
  });

  it('keeps moving objects inside the frame on bouncing paths', () => {
    for (let seed = 0; seed < 20; seed++) {
      const scene = buildScene(key({ seed }));
      for (const obj of scene.objects.filter((o) => o.path.kind === 'linear')) {
        for (let t = 0; t < 200; t += 7) {
          const [x, y] = objectPose(obj, t, scene.width, scene.height);
          expect(x).toBeGreaterThanOrEqual(Math.min(obj.radius, scene.width / 2) - 1e-9);
          expect(x).toBeLessThanOrEqual(Math.max(scene.width - obj.radius, scene.width / 2) + 1e-9);
          expect(Number.isFinite(y)).toBe(true);
        }
      }
    }
  });
});

describe('mock renderer: temporal character', () => {
  it('has VBench-like flicker at 256 px (0.95–0.995) with the default grain', () => {
    const video = { width: 256, height: 256, fps: 24, num_frames: 12 };
    for (const prompt of ['a red ball bouncing in a park', 'drone shot, camera movement over a forest']) {
      const f = vbenchFlicker(renderAll(key({ prompt, video })));
      expect(f).toBeGreaterThan(0.95);
      expect(f).toBeLessThan(0.995);
    }
  });

  it('moves smoothly: consecutive frames differ less than frames four apart', () => {
    const frames = renderAll(key({ prompt: 'timelapse of a city, camera pan' }), { noise_scale: 0 });
    for (let t = 0; t + 4 < frames.length; t++) {
      const near = meanAbsDiff(frames[t]!, frames[t + 1]!);
      const far = meanAbsDiff(frames[t]!, frames[t + 4]!);
      expect(near).toBeGreaterThan(0);
      expect(far).toBeGreaterThan(near);
    }
  });

  it('anti-aliases edges: object boundaries contain intermediate colours', () => {
    const scene = buildScene(
      key({
        prompt: 'a white ball in the night',
        video: { width: 128, height: 128, fps: 24, num_frames: 1 },
      }),
    );
    const frame = renderAll(
      key({
        prompt: 'a white ball in the night',
        video: { width: 128, height: 128, fps: 24, num_frames: 1 },
      }),
      { noise_scale: 0 },
    )[0]!;
    const [px, py] = objectPose(scene.objects[0]!, 0, 128, 128);
    const r = scene.objects[0]!.radius;
    // Walk outward along the row through the centre of the (white, circle) object: the edge pixel must be
    // neither the object colour nor the background but a blend (partial coverage).
    const row = Math.floor(py);
    const values: number[] = [];
    for (let x = Math.floor(px + r - 2); x <= Math.ceil(px + r + 2) && x < 128; x++)
      values.push(frame[(row * 128 + x) * 3]!);
    const steps = values.slice(1).map((v, i) => Math.abs(v - values[i]!));
    // No single-pixel jump from object to background: the drop is spread over at least two steps.
    const total = Math.abs(values[0]! - values[values.length - 1]!);
    expect(total).toBeGreaterThan(60);
    expect(Math.max(...steps)).toBeLessThan(total);
  });
});
