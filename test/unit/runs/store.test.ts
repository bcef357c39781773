import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rankSamplesForRetention, samplesToRetain } from '../../../src/runs/retention.js';
import {
  RUN_SCHEMA_VERSION,
  type RunRecord,
  type RunStatus,
  type SampleRecord,
} from '../../../src/schema/run.js';
import { artifactsSchema, gateSchema } from '../../../src/schema/suite.js';
import { parseBaselineMode, rollingMean, selectBaseline } from '../../../src/store/baseline.js';
import {
  addToIndex,
  deleteTag,
  INDEX_FILE,
  loadIndex,
  RUN_FILE,
  readTags,
  setTag,
} from '../../../src/store/local.js';
import { modelRoot, newRunId, within } from '../../../src/store/paths.js';

let root: string;
const warnings: string[] = [];
const warn = (m: string) => warnings.push(m);

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-store-'));
  warnings.length = 0;
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function sample(id: string, score: number): SampleRecord {
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
    metrics: { m: { score } },
    metadata: {},
  };
}

function record(runId: string, status: RunStatus, scores: number[]): RunRecord {
  const samples = scores.map((s, i) => sample(`s${i}`, s));
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return {
    schema_version: RUN_SCHEMA_VERSION,
    run_id: runId,
    timestamp_utc: '2026-01-01T00:00:00.000Z',
    finished_utc: '2026-01-01T00:00:01.000Z',
    project: 'p',
    suite_name: 's',
    model_name: 'm',
    status,
    exit_code: status === 'PASS' ? 0 : status === 'FAIL' ? 2 : 1,
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
  };
}

async function store(rec: RunRecord): Promise<void> {
  const dir = path.join(root, rec.run_id);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, RUN_FILE), JSON.stringify(rec));
  await addToIndex(root, rec, warn);
}

describe('paths', () => {
  it('refuses names that would escape the artifacts folder', () => {
    expect(() => modelRoot(root, '..', 's', 'm')).toThrow(/cannot be used as a folder name/);
    expect(() => modelRoot(root, 'p', 'a/b', 'm')).toThrow(/folder name/);
    expect(() => modelRoot(root, 'p', 's', '.hidden')).toThrow(/folder name/);
    expect(() => within(root, '../outside')).toThrow(/escapes/);
    expect(modelRoot(root, 'p', 's', 'm')).toBe(path.join(root, 'p', 's', 'm'));
  });

  it('makes sortable, unique run ids', () => {
    const id = newRunId(new Date('2026-11-22T07:13:02.145Z'), 'beef');
    expect(id).toBe('20261122T071302145Z-beef');
  });
});

describe('index and baselines', () => {
  it('picks latest and latest_pass from the index, never ERROR runs', async () => {
    await store(record('20260101T000000000Z-0001', 'PASS', [0.9]));
    await store(record('20260101T000001000Z-0002', 'FAIL', [0.5]));
    await store(record('20260101T000002000Z-0003', 'ERROR', [0.1]));
    const latest = await selectBaseline(root, parseBaselineMode('latest'), undefined, warn);
    expect(latest?.runId).toBe('20260101T000001000Z-0002');
    const pass = await selectBaseline(root, parseBaselineMode('latest_pass'), undefined, warn);
    expect(pass?.runId).toBe('20260101T000000000Z-0001');
    expect(await selectBaseline(root, parseBaselineMode('none'), undefined, warn)).toBeNull();
  });

  it('ignores stray folders that sort first (the index is the source of truth)', async () => {
    await store(record('20260101T000000000Z-0001', 'PASS', [0.9]));
    await fs.mkdir(path.join(root, 'zzz_junk'));
    await fs.writeFile(
      path.join(root, 'zzz_junk', RUN_FILE),
      JSON.stringify(record('zzz_junk', 'PASS', [0])),
    );
    const pass = await selectBaseline(root, parseBaselineMode('latest_pass'), undefined, warn);
    expect(pass?.runId).toBe('20260101T000000000Z-0001');
  });

  it('rebuilds a missing or corrupt index and skips a corrupt run.json with a warning', async () => {
    await store(record('20260101T000000000Z-0001', 'PASS', [0.9]));
    await store(record('20260101T000001000Z-0002', 'PASS', [0.8]));
    await fs.writeFile(path.join(root, '20260101T000001000Z-0002', RUN_FILE), '{ not json');
    await fs.writeFile(path.join(root, INDEX_FILE), 'garbage');
    const runs = await loadIndex(root, warn);
    expect(runs.map((r) => r.run_id)).toEqual(['20260101T000000000Z-0001']);
    expect(warnings.join('\n')).toMatch(/unreadable/);
    expect(warnings.join('\n')).toMatch(/skipping run 20260101T000001000Z-0002/);
    const rebuilt = JSON.parse(await fs.readFile(path.join(root, INDEX_FILE), 'utf8')) as { runs: unknown[] };
    expect(rebuilt.runs).toHaveLength(1);
  });

  it('averages the last N passing runs per metric and per sample for rolling:N', async () => {
    await store(record('20260101T000000000Z-0001', 'PASS', [0.2, 0.4]));
    await store(record('20260101T000001000Z-0002', 'PASS', [0.4, 0.6]));
    await store(record('20260101T000002000Z-0003', 'PASS', [0.6, 0.8]));
    const b = await selectBaseline(root, parseBaselineMode('rolling:2'), undefined, warn);
    expect(b?.runId).toBe('rolling:2(20260101T000001000Z-0002..20260101T000002000Z-0003)');
    expect(b?.run.metrics.m?.values.score).toBeCloseTo(0.6, 12);
    expect(b?.run.samples.find((s) => s.sample_id === 's0')?.metrics.m?.score).toBeCloseTo(0.5, 12);
    expect(rollingMean([]).samples).toEqual([]);
  });

  it('uses tags, and refuses a missing tag with a hint', async () => {
    await store(record('20260101T000000000Z-0001', 'PASS', [0.9]));
    await setTag(root, 'golden', '20260101T000000000Z-0001');
    expect(await readTags(root)).toEqual({ golden: '20260101T000000000Z-0001' });
    const b = await selectBaseline(root, parseBaselineMode('tag:golden'), undefined, warn);
    expect(b?.runId).toBe('20260101T000000000Z-0001');
    await expect(selectBaseline(root, parseBaselineMode('tag:nope'), undefined, warn)).rejects.toThrow(
      /tag "nope" does not exist/,
    );
    await expect(setTag(root, 'x', 'no-such-run')).rejects.toThrow(/no run "no-such-run"/);
    await expect(setTag(root, 'x', '../etc')).rejects.toThrow(/no run/);
    await deleteTag(root, 'golden');
    await expect(deleteTag(root, 'golden')).rejects.toThrow(/no tag/);
  });

  it('rejects unknown baseline modes with the list of valid ones', () => {
    expect(() => parseBaselineMode('previous')).toThrow(/unknown baseline mode/);
    expect(() => parseBaselineMode('rolling:0')).toThrow(/unknown baseline mode/);
    expect(parseBaselineMode('rolling:5')).toEqual({ kind: 'rolling', n: 5 });
    expect(parseBaselineMode('tag:v1.2')).toEqual({ kind: 'tag', name: 'v1.2' });
  });
});

describe('retention', () => {
  const gates = [gateSchema.parse({ metric: 'm.score', op: '>=', value: 0.5 })];
  const samples = [sample('a', 0.9), sample('b', 0.3), sample('c', 0.7), sample('d', 0.8)];
  const baseline = {
    samples: [sample('a', 0.9), sample('b', 0.3), sample('c', 0.95), sample('d', 0.8)],
    metrics: {},
  };

  it('ranks gate-failing samples first, then the worst regressed, then plan order', () => {
    expect(rankSamplesForRetention(samples, gates, baseline)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('keeps the top of the ranking up to max_samples, and nothing for none or a passing failures_only', () => {
    const ranked = ['b', 'c', 'a', 'd'];
    expect([...samplesToRetain(artifactsSchema.parse({ max_samples: 2 }), 'FAIL', ranked)]).toEqual([
      'b',
      'c',
    ]);
    expect(samplesToRetain(artifactsSchema.parse({ video: 'none' }), 'FAIL', ranked).size).toBe(0);
    expect(samplesToRetain(artifactsSchema.parse({ video: 'failures_only' }), 'PASS', ranked).size).toBe(0);
    expect(samplesToRetain(artifactsSchema.parse({ video: 'failures_only' }), 'FAIL', ranked).size).toBe(4);
  });
});
