import {
  RUN_SCHEMA_VERSION,
  type RunRecord,
  type RunStatus,
  type SampleRecord,
} from '../../../src/schema/run.js';
import type { ModelKey } from '../../../src/store/types.js';

/** Records as the engine writes them, small enough to read in a test. */

export const MODEL: ModelKey = { project: 'p', suite: 's', model: 'm' };

/** Run ids as the engine makes them (`newRunId`), in time order by `n`. */
export const runId = (n: number): string =>
  `20260101T${String(n).padStart(6, '0')}000Z-${(4096 + n).toString(16)}`;

export function sample(id: string, score: number): SampleRecord {
  return {
    sample_id: id,
    test_id: 't',
    prompt: `prompt ${id}`,
    seed: 0,
    video_settings: { num_frames: 5, fps: 8, width: 16, height: 16 },
    video_path: `videos/${id}.mp4`,
    video: null,
    retained: true,
    attempts: 1,
    timings: { generate: 0.5 },
    error: null,
    metrics: { m: { score, dims: { a: score, b: null } } },
    metadata: {},
  };
}

export function record(
  id: string,
  status: RunStatus,
  scores: number[],
  model: ModelKey = MODEL,
  extra: Partial<RunRecord> = {},
): RunRecord {
  const samples = scores.map((s, i) => sample(`s${i}`, s));
  const mean = scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
  return {
    schema_version: RUN_SCHEMA_VERSION,
    run_id: id,
    timestamp_utc: '2026-01-01T00:00:00.000Z',
    finished_utc: '2026-01-01T00:00:01.000Z',
    project: model.project,
    suite_name: model.suite,
    model_name: model.model,
    status,
    exit_code: status === 'PASS' ? 0 : status === 'FAIL' ? 2 : status === 'ERROR' ? 1 : 130,
    suite: { path: 'x.yaml', hash: 'h' },
    git: null,
    environment: { temporalci: '0', node: 'v20', platform: 'linux', ffmpeg: null },
    baseline: { mode: 'none', run_id: null },
    settings: { workers: 1, retries: 0, max_failed_ratio: 0, sample_limit: null, timeout_s: null },
    counts: { planned: scores.length, generated: scores.length, measured: scores.length, failed: 0 },
    duration_s: 1,
    samples,
    metrics: { m: { values: { score: mean }, sample_count: scores.length } },
    gates: [],
    gate_failed: status === 'FAIL',
    regressions: [],
    regression_failed: false,
    ignore_regression: false,
    errors: [],
    warnings: [],
    ...extra,
  };
}
