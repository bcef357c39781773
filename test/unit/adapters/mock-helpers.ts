import { resolveDegradation } from '../../../src/adapters/mock/degrade.js';
import { MockFrameSource } from '../../../src/adapters/mock/frames.js';
import { mockParamsSchema } from '../../../src/adapters/mock/params.js';
import type { SceneKey } from '../../../src/adapters/mock/scene.js';

export function key(overrides: Partial<SceneKey> = {}): SceneKey {
  return {
    model: 'mock-model',
    testId: 'core',
    prompt: 'a red ball bouncing in a park',
    seed: 7,
    video: { width: 96, height: 64, fps: 24, num_frames: 16 },
    ...overrides,
  };
}

/** All frames of a sample, rendered in memory (small sizes only). */
export function renderAll(k: SceneKey, params: Record<string, unknown> = {}): Uint8Array[] {
  const source = new MockFrameSource(k, resolveDegradation(mockParamsSchema.parse(params)));
  const frames: Uint8Array[] = [];
  for (let f = source.next(); f !== undefined; f = source.next()) frames.push(f);
  return frames;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** VBench temporal flicker: (255 − mean consecutive MAD) / 255. */
export function vbenchFlicker(frames: Uint8Array[]): number {
  let sum = 0;
  for (let t = 1; t < frames.length; t++) sum += meanAbsDiff(frames[t]!, frames[t - 1]!);
  return (255 - sum / (frames.length - 1)) / 255;
}

export function mean(a: Uint8Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

export function channelMean(a: Uint8Array, channel: 0 | 1 | 2): number {
  let s = 0;
  for (let i = channel; i < a.length; i += 3) s += a[i]!;
  return s / (a.length / 3);
}

/** Variance of the 4-neighbour Laplacian of the luma (a sharpness measure). */
export function laplacianVariance(rgb: Uint8Array, width: number, height: number): number {
  const y = new Float64Array(width * height);
  for (let i = 0; i < y.length; i++)
    y[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let r = 1; r < height - 1; r++) {
    for (let c = 1; c < width - 1; c++) {
      const i = r * width + c;
      const l = y[i - 1]! + y[i + 1]! + y[i - width]! + y[i + width]! - 4 * y[i]!;
      s += l;
      s2 += l * l;
      n++;
    }
  }
  return s2 / n - (s / n) ** 2;
}
