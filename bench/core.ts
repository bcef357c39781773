/**
 * The main job, measured: runs examples/regression_core.yaml through the engine (mock model, real
 * rendering, real x264 encoding, decoding and pixel metrics) and reports its wall time and where the time
 * went, per stage. The reference for decode + metrics is ffmpeg's own decode-only time on the same videos,
 * measured in the same run, so the ratio says how close measuring gets to just decoding.
 *
 *   npx tsx bench/core.ts
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuite } from '../src/runs/engine.js';
import type { SampleStage } from '../src/schema/run.js';
import { LocalStore } from '../src/store/local.js';
import { loadSuite } from '../src/suite/load.js';
import { decodeOnlySeconds } from './measure.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const SUITE = fileURLToPath(new URL('../examples/regression_core.yaml', import.meta.url));

export async function benchCore(): Promise<BenchResult[]> {
  const artifacts = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-bench-core-'));
  try {
    const suite = await loadSuite(SUITE);
    const start = performance.now();
    const store = new LocalStore(artifacts, { warn: () => undefined });
    const result = await runSuite(suite, { store, artifacts: store, baselineMode: 'none' });
    const wall = (performance.now() - start) / 1000;
    const run = result.runs[0];
    if (run?.record.status !== 'PASS')
      throw new Error(`bench run did not pass: ${run?.record.errors.join('; ')}`);
    const stages: SampleStage[] = ['generate', 'probe', 'decode', 'metrics', 'encode'];
    const totals = Object.fromEntries(stages.map((s) => [s, 0])) as Record<SampleStage, number>;
    for (const s of run.record.samples) for (const st of stages) totals[st] += s.timings[st] ?? 0;
    const busy = stages.reduce((a, s) => a + totals[s], 0);
    const videos = run.record.samples.map((s) => path.join(run.runDir, s.video_path!));
    const decodeOnly = await decodeOnlySeconds(videos);
    const frames = run.record.samples.reduce((a, s) => a + (s.video?.frame_count ?? 0), 0);
    const measure = totals.decode + totals.metrics;
    const rows: BenchResult[] = [
      {
        name: 'regression_core wall time',
        value: wall,
        unit: 's',
        note: `${run.record.counts.measured} samples, ${frames} frames, 512x512`,
      },
    ];
    for (const st of stages) {
      rows.push({
        name: `share: ${st}`,
        value: (100 * totals[st]) / busy,
        unit: '%',
        note:
          st === 'encode'
            ? 'the mock streams frames to x264 while rendering, so its encoding is inside generate'
            : `${totals[st].toFixed(2)} s summed over samples`,
      });
    }
    rows.push({
      name: 'decode+metrics throughput vs ffmpeg decode-only',
      value: frames / measure,
      unit: 'frames/s',
      reference: frames / decodeOnly,
      ratio: decodeOnly / measure,
      note: 'goal >= 0.8 (issue: metrics at decode speed)',
    });
    return rows;
  } finally {
    await fs.rm(artifacts, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('regression_core', await benchCore());
}
