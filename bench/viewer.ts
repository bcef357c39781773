/**
 * The viewer on a large artifacts folder (issue 15, "Done when"): one model with 200 runs, the latest of
 * 500 samples. Figures, each the median of several tries after one warm-up:
 *  - start: spawning `temporalci view` until it answers GET /api/suites (the home page's data), against
 *    `temporalci --version` measured in the same run (the CLI's own start-up);
 *  - run page: GET of the 500-sample run's view (what the run page draws from) plus its page's files,
 *    against reading and parsing that run.json in-process (the least any server must do).
 * The records are built here as the engine writes them (3 metrics, 5 leaves per sample) and committed
 * through the LocalStore, so index.json and the folders are the real ones. `npm run build` first.
 *
 *   npx tsx bench/viewer.ts
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_SCHEMA_VERSION, type RunRecord, type SampleRecord } from '../src/schema/run.js';
import { LocalStore } from '../src/store/local.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = 200;
const BIG = 500;
const TRIES = 7;
const KEY = { project: 'bench', suite: 'viewer', model: 'm' };

const runId = (n: number) => `20260101T${String(n).padStart(6, '0')}000Z-${(4096 + n).toString(16)}`;

function sample(i: number, drift: number): SampleRecord {
  const v = 0.9 - drift + ((i * 37) % 17) / 1000;
  return {
    sample_id: `t-${i.toString(16).padStart(8, '0')}`,
    test_id: 't',
    prompt: `prompt number ${i % 50}: a scene with some motion in it`,
    seed: i,
    video_settings: { num_frames: 16, fps: 8, width: 256, height: 256 },
    video_path: `videos/t-${i}.mp4`,
    video: { width: 256, height: 256, fps: 8, frame_count: 16, codec: 'h264' },
    retained: true,
    attempts: 1,
    timings: { generate: 1.2, decode: 0.1, metrics: 0.4 },
    error: null,
    metrics: {
      vbench_temporal: { score: v, dims: { temporal_flicker: v + 0.05, motion_smoothness: v + 0.07 } },
      sharpness: { mean: 120 + (i % 13), min: 100, max: 140 },
      colorfulness: { mean: 30 + (i % 7) },
    },
    metadata: {},
  };
}

function record(n: number, samples: number): RunRecord {
  const s = Array.from({ length: samples }, (_, i) => sample(i, n % 2 === 0 ? 0 : 0.01));
  const mean = s.reduce((a, x) => a + (x.metrics.vbench_temporal!.score as number), 0) / samples;
  return {
    schema_version: RUN_SCHEMA_VERSION,
    run_id: runId(n),
    timestamp_utc: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    finished_utc: new Date(Date.UTC(2026, 0, 1, 0, n, 30)).toISOString(),
    ...{ project: KEY.project, suite_name: KEY.suite, model_name: KEY.model },
    status: 'PASS',
    exit_code: 0,
    suite: { path: 'suite.yaml', hash: 'h' },
    git: null,
    environment: { temporalci: '0', node: process.version, platform: process.platform, ffmpeg: null },
    baseline: { mode: 'latest_pass', run_id: n > 1 ? runId(n - 1) : null },
    settings: { workers: 1, retries: 0, max_failed_ratio: 0, sample_limit: null, timeout_s: null },
    counts: { planned: samples, generated: samples, measured: samples, failed: 0 },
    duration_s: 60,
    samples: s,
    metrics: { vbench_temporal: { values: { score: mean }, sample_count: samples } },
    gates: [
      {
        ...{ index: 0, metric: 'vbench_temporal.score', op: '>=', value: 0.8, method: 'threshold' },
        ...{ aggregate: 'mean', actual: mean, sample_count: samples, passed: true, reason: 'ok' },
      },
    ],
    ...{ gate_failed: false, regressions: [], regression_failed: false, ignore_regression: false },
    errors: [],
    warnings: [],
  };
}

async function makeFolder(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-bench-viewer-'));
  const store = new LocalStore(dir, { warn: () => undefined });
  for (let n = 1; n < RUNS; n++) await store.commitRun(record(n, 3));
  await store.commitRun(record(RUNS, BIG));
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts the viewer and resolves with its URL once it has answered the home page's data. */
async function startViewer(dir: string): Promise<{ child: ChildProcess; url: string; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'view', '--artifacts-dir', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /viewer on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`viewer exited ${code}: ${out}`)));
  });
  const r = await fetch(`${url}/api/suites`);
  if (!r.ok) throw new Error(`GET /api/suites: ${r.status}`);
  await r.json();
  return { child, url, ms: performance.now() - t0 };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function benchViewer(): Promise<BenchResult[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const dir = await makeFolder();
  try {
    const version: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i <= TRIES; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, [CLI, '--version'], { stdio: 'ignore' });
      const v = performance.now() - t0;
      const { child, ms } = await startViewer(dir);
      await stop(child);
      if (i > 0) {
        version.push(v);
        starts.push(ms);
      }
    }
    const { child, url } = await startViewer(dir);
    const runJson = path.join(dir, KEY.project, KEY.suite, KEY.model, runId(RUNS), 'run.json');
    const page = [
      `/api/runs/${KEY.project}/${KEY.suite}/${KEY.model}/${runId(RUNS)}`,
      `/api/runs/${KEY.project}/${KEY.suite}/${KEY.model}`,
      '/',
      '/app/main.js',
      '/app/run.js',
      '/app/style.css',
    ];
    const served: number[] = [];
    const parsed: number[] = [];
    let bytes = 0;
    try {
      for (let i = 0; i <= TRIES; i++) {
        const t0 = performance.now();
        JSON.parse(await fs.readFile(runJson, 'utf8'));
        const p = performance.now() - t0;
        const t1 = performance.now();
        const bodies = await Promise.all(page.map(async (u) => (await fetch(`${url}${u}`)).arrayBuffer()));
        const s = performance.now() - t1;
        bytes = bodies[0]!.byteLength;
        if (i > 0) {
          parsed.push(p);
          served.push(s);
        }
      }
    } finally {
      await stop(child);
    }
    const start = median(starts);
    const ver = median(version);
    const run = median(served);
    const ref = median(parsed);
    return [
      { name: 'temporalci --version', value: ver, unit: 'ms', note: `median of ${TRIES}` },
      {
        name: `view: start until /api/suites answers (${RUNS} runs)`,
        value: start,
        unit: 'ms',
        reference: ver,
        ratio: start / ver,
        note: 'goal < 1000 ms',
      },
      { name: `read + parse run.json (${BIG} samples)`, value: ref, unit: 'ms', note: `median of ${TRIES}` },
      {
        name: `run page: view JSON (${Math.round(bytes / 1024)} KiB) + history + page files`,
        value: run,
        unit: 'ms',
        reference: ref,
        ratio: run / ref,
        note: 'goal < 300 ms',
      },
    ];
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('viewer', await benchViewer());
}
