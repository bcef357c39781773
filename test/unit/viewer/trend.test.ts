import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateResult } from '../../../src/schema/run.js';
import { LocalStore } from '../../../src/store/local.js';
import { createViewerApp } from '../../../src/viewer/app.js';
import { localCatalog } from '../../../src/viewer/catalog.js';
import { record, runId } from '../store/fixtures.js';

/** The trend and matrix routes over a real local store: twelve runs whose gated mean drops after the sixth. */

const T = { project: 'p', suite: 's', model: 'trend' };
const OTHER = { project: 'p', suite: 's', model: 'other' };
const SCORES = [0.9, 0.91, 0.9, 0.89, 0.9, 0.91, 0.6, 0.61, 0.6, 0.59, 0.6, 0.61];

const gate = (actual: number): GateResult => ({
  index: 0,
  metric: 'm.score',
  op: '>=',
  value: 0.8,
  method: 'threshold',
  aggregate: 'mean',
  actual,
  sample_count: 1,
  passed: actual >= 0.8,
  reason: '',
});

let dir: string;
let app: ReturnType<typeof createViewerApp>;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-viewer-trend-'));
  const store = new LocalStore(dir, { warn: () => undefined });
  for (const [i, v] of SCORES.entries()) {
    const rec = record(runId(i + 1), v >= 0.8 ? 'PASS' : 'FAIL', [v], T, { gates: [gate(v)] });
    // An ungated metric that does not move.
    rec.metrics.flat = { values: { value: 3 }, sample_count: 1 };
    await store.commitRun(rec);
  }
  await store.commitRun(record(runId(20), 'PASS', [0.95], OTHER, { gates: [gate(0.95)] }));
  app = createViewerApp({
    store,
    artifacts: store,
    catalog: localCatalog(dir),
    artifactsRoot: await fs.realpath(dir),
    assetsDir: dir,
    warn: () => undefined,
  });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const get = (url: string) => app.request(`http://127.0.0.1${url}`);

describe('viewer trend and matrix', () => {
  it('puts the gated metric first and marks the drop after the sixth run as a change point', async () => {
    const r = await get('/api/trend/p/s/trend');
    expect(r.status).toBe(200);
    const t = (await r.json()) as {
      runs: { run_id: string }[];
      series: {
        path: string;
        gated: boolean;
        target: number | null;
        values: number[];
        change_points: { index: number; run_id: string; mean_before: number; mean_after: number }[];
      }[];
    };
    expect(t.runs.map((x) => x.run_id)).toEqual(SCORES.map((_, i) => runId(i + 1)));
    expect(t.series.map((s) => [s.path, s.gated])).toEqual([
      ['m.score', true],
      ['flat.value', false],
    ]);
    const [score, flat] = t.series;
    expect(score!.target).toBe(0.8);
    expect(score!.values).toEqual(SCORES);
    expect(score!.change_points).toHaveLength(1);
    expect(score!.change_points[0]).toMatchObject({ index: 6, run_id: runId(7) });
    expect(score!.change_points[0]!.mean_before).toBeCloseTo(0.9, 2);
    expect(score!.change_points[0]!.mean_after).toBeCloseTo(0.6, 2);
    expect(flat!.change_points).toEqual([]);
    expect((await get('/api/trend/p/s/nobody')).status).toBe(404);
  });

  it('answers the models × gated metrics of a suite from each model latest run', async () => {
    const r = await get('/api/matrix/p/s');
    expect(r.status).toBe(200);
    const m = (await r.json()) as {
      columns: { label: string }[];
      rows: { model: string; status: string; cells: ({ actual: number; passed: boolean } | null)[] }[];
    };
    expect(m.columns.map((c) => c.label)).toEqual(['m.score >= 0.8']);
    const byModel = Object.fromEntries(m.rows.map((x) => [x.model, x]));
    expect(byModel.trend).toMatchObject({ status: 'FAIL', cells: [{ actual: 0.61, passed: false }] });
    expect(byModel.other).toMatchObject({ status: 'PASS', cells: [{ actual: 0.95, passed: true }] });
    expect((await get('/api/matrix/p/..')).status).toBe(404);
  });
});
