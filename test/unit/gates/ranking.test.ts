import { describe, expect, it } from 'vitest';
import { rankSamples } from '../../../src/gates/ranking.js';
import { rankSamples as reportRanking } from '../../../src/report/analysis.js';
import { evaluateRun } from '../../../src/runs/evaluate-run.js';
import { rankSamplesForRetention, samplesToRetain } from '../../../src/runs/retention.js';
import { RUN_SCHEMA_VERSION, type RunRecord, type SampleRecord } from '../../../src/schema/run.js';
import { artifactsSchema, gateSchema } from '../../../src/schema/suite.js';

function sample(id: string, score: number, freeze: number): SampleRecord {
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
    timings: {},
    error: null,
    metrics: { m: { score, freeze } },
    metadata: {},
  };
}

const gates = [
  gateSchema.parse({ metric: 'm.score', op: '>=', value: 0.5 }),
  // A statistical gate's threshold part counts too: sample b fails it on its own value.
  gateSchema.parse({ metric: 'm.score', op: '>=', value: 0.6, method: 'paired_test' }),
  gateSchema.parse({ metric: 'm.freeze', op: '<=', value: 1 }),
];

// b fails the paired gate's value; c freezes where its baseline never did (a drop from exactly 0);
// d drops 22% on score; a and e are unchanged.
const baseSamples = [
  sample('a', 0.9, 0),
  sample('b', 0.56, 0),
  sample('c', 0.8, 0),
  sample('d', 0.9, 0),
  sample('e', 0.9, 0),
];
const candSamples = [
  sample('a', 0.9, 0),
  sample('b', 0.55, 0),
  sample('c', 0.8, 0.2),
  sample('d', 0.7, 0),
  sample('e', 0.9, 0),
];

function record(runId: string, samples: SampleRecord[], baseline: RunRecord | null): RunRecord {
  const verdict = evaluateRun(gates, { samples, metrics: {} }, baseline, [[], [], []]);
  return {
    schema_version: RUN_SCHEMA_VERSION,
    run_id: runId,
    timestamp_utc: '2026-01-01T00:00:00.000Z',
    finished_utc: '2026-01-01T00:00:01.000Z',
    project: 'p',
    suite_name: 's',
    model_name: 'm',
    status: verdict.gateFailed ? 'FAIL' : 'PASS',
    exit_code: verdict.gateFailed ? 2 : 0,
    suite: { path: 'x.yaml', hash: 'h' },
    git: null,
    environment: { temporalci: '0', node: 'v20', platform: 'linux', ffmpeg: null },
    baseline: { mode: baseline ? 'latest' : 'none', run_id: baseline?.run_id ?? null },
    settings: { workers: 1, retries: 0, max_failed_ratio: 0, sample_limit: null, timeout_s: null },
    counts: { planned: samples.length, generated: samples.length, measured: samples.length, failed: 0 },
    duration_s: 1,
    samples,
    metrics: {},
    gates: verdict.gates,
    gate_failed: verdict.gateFailed,
    regressions: verdict.regressions,
    regression_failed: verdict.regressionFailed,
    ignore_regression: false,
    errors: [],
    warnings: [],
  };
}

describe('one ranking of samples', () => {
  const base = record('base', baseSamples, null);
  const cand = record('cand', candSamples, base);

  it('retention with max_samples: 2 keeps exactly the two samples the report shows first', () => {
    const ranked = rankSamplesForRetention(candSamples, gates, base);
    const kept = samplesToRetain(artifactsSchema.parse({ max_samples: 2 }), cand.status, ranked);
    const shownFirst = reportRanking(cand, base)
      .slice(0, 2)
      .map((r) => r.sample.sample_id);
    expect([...kept]).toEqual(shownFirst);
    expect(shownFirst).toEqual(['b', 'c']);
  });

  it('ranks own-value failures (any method), then the relative drop (from 0 too), then plan order', () => {
    const r = rankSamples(candSamples, gates, baseSamples);
    expect(r.map((x) => x.sample.sample_id)).toEqual(['b', 'c', 'd', 'a', 'e']);
    expect(r[0]?.failing).toEqual(['m.score >= 0.6']);
    expect(r[1]?.worstDrop).toBeGreaterThan(r[2]!.worstDrop);
    expect(r[2]?.worstDrop).toBeCloseTo(0.2 / 0.9, 12);
    // The displayed relative delta of a zero baseline stays "no ratio"; only the ranking key is floored.
    expect(r[1]?.deltas.find((d) => d.path === 'm.freeze')?.relative).toBeNull();
  });

  it('leaves failed samples out and ranks by plan order without a baseline', () => {
    const failed = { ...sample('x', 0, 0), error: { stage: 'generate' as const, code: 'E', message: 'm' } };
    const r = rankSamples([failed, ...candSamples], gates, null);
    expect(r.map((x) => x.sample.sample_id)).toEqual(['b', 'a', 'c', 'd', 'e']);
    expect(r.every((x) => x.baseline === undefined && x.worstDrop === 0)).toBe(true);
  });
});
