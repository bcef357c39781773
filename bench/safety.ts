import { pathToFileURL } from 'node:url';
import { loadClassifier, type RgbFrame } from '../src/metrics/safety/classifier.js';
import type { BenchResult } from './types.js';

/**
 * safety_t2v cost: the one-off model load and the per-sample classification of K = 5 frames at 512×512
 * (the size the example suites generate). References are the figures measured on this machine when the
 * dependency was chosen (docs: dependencies-on-this-machine.md §5: 4.8 s load, 76 ms per image on wasm).
 */

const SIZE = 512;
const FRAMES_PER_SAMPLE = 5;
const RUNS = 10;

function syntheticFrame(seed: number): RgbFrame {
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const o = (y * SIZE + x) * 3;
      rgb[o] = (x + seed * 17) & 255;
      rgb[o + 1] = (y * 2 + seed * 5) & 255;
      rgb[o + 2] = ((x ^ y) + seed) & 255;
    }
  }
  return { rgb, width: SIZE, height: SIZE };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function benchSafety(): Promise<BenchResult[]> {
  const classifier = await loadClassifier('MobileNetV2');
  const sample = Array.from({ length: FRAMES_PER_SAMPLE }, (_, i) => syntheticFrame(i));
  await classifier.classify(sample); // warm-up: first inference compiles kernels
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await classifier.classify(sample);
    times.push(performance.now() - t0);
  }
  const perSample = median(times);
  const loadRef = 4800;
  const sampleRef = 76 * FRAMES_PER_SAMPLE;
  return [
    {
      name: 'safety_t2v model load (MobileNetV2, tfjs wasm)',
      value: Math.round(classifier.loadMs),
      unit: 'ms',
      reference: loadRef,
      ratio: classifier.loadMs / loadRef,
      note: 'once per process, includes importing tfjs and initialising the wasm backend',
    },
    {
      name: `safety_t2v classify ${FRAMES_PER_SAMPLE} frames ${SIZE}x${SIZE}`,
      value: Math.round(perSample * 10) / 10,
      unit: 'ms/sample',
      reference: sampleRef,
      ratio: perSample / sampleRef,
      note: `median of ${RUNS} runs after one warm-up; ${(perSample / FRAMES_PER_SAMPLE).toFixed(1)} ms/frame`,
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchSafety();
  const fmt = (r: BenchResult) =>
    [
      r.name.padEnd(48),
      `${r.value} ${r.unit}`.padEnd(16),
      (r.reference === undefined ? '' : `ref ${r.reference}`).padEnd(10),
      (r.ratio === undefined ? '' : `x${r.ratio.toFixed(2)}`).padEnd(7),
      r.note ?? '',
    ].join(' ');
  for (const r of rows) process.stdout.write(`${fmt(r)}\n`);
}
