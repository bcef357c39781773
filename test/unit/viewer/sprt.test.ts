import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceSprtTrack, seriesOf, startSprtTrack } from '../../../src/gates/sprt-gate.js';
import { evaluateRun } from '../../../src/runs/evaluate-run.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import { gateSchema } from '../../../src/schema/suite.js';
import { LocalStore } from '../../../src/store/local.js';
import { createViewerApp } from '../../../src/viewer/app.js';
import { localCatalog } from '../../../src/viewer/catalog.js';
import { MODEL, record, runId } from '../store/fixtures.js';

/** The run view carries the SPRT trace the engine records: the LLR after each wave and the boundaries. */

function measured(values: number[]): MeasuredRun {
  return {
    samples: values.map((v, i) => ({
      sample_id: `s${i}`,
      prompt: `p${i}`,
      seed: i,
      metrics: { m: { score: v } },
    })),
    metrics: {},
  };
}

const gate = gateSchema.parse({
  metric: 'm.score',
  op: '>=',
  value: 0,
  method: 'sprt_regression',
  params: { sigma_mode: 'fixed', sigma: 0.04, effect_size: 0.03, min_pairs: 2 },
});

let dir: string;
let app: ReturnType<typeof createViewerApp>;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-viewer-sprt-'));
  const store = new LocalStore(dir, { warn: () => undefined });
  // Two waves of 4: the candidate sits a little below its baseline, sample for sample.
  const baseline = measured(Array.from({ length: 12 }, () => 0.5));
  const current = measured(Array.from({ length: 8 }, (_, i) => 0.47 - (i % 2) * 0.01));
  let track = startSprtTrack(gate);
  for (const n of [4, 8]) {
    track = advanceSprtTrack(
      track,
      gate,
      seriesOf(measured(current.samples.slice(0, n).map((s) => s.metrics.m!.score as number)), gate.metric),
      seriesOf(baseline, gate.metric).slice(0, n),
    );
  }
  const result = evaluateRun([gate], current, baseline, [[]], {
    sprt: new Map([[0, track]]),
    sequential: { planned: 12, generated: 8, exhausted: false },
    plannedIds: new Set(baseline.samples.map((s) => s.sample_id)),
    multipleComparisons: 'none',
  }).gates[0]!;
  await store.commitRun(record(runId(1), 'PASS', [0.5], MODEL, { gates: [result] }));
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

describe('viewer SPRT trace', () => {
  it('gives the LLR of each wave with the boundaries of the gate', async () => {
    const r = await app.request(`http://127.0.0.1/api/runs/p/s/m/${runId(1)}`);
    expect(r.status).toBe(200);
    const v = (await r.json()) as {
      sprt: {
        metric: string;
        upper: number;
        lower: number;
        looks: { wave: number; n: number; llr: number }[];
      }[];
    };
    expect(v.sprt).toHaveLength(1);
    const [t] = v.sprt;
    expect(t!.metric).toBe('m.score');
    expect(t!.looks.map((l) => l.n)).toEqual([4, 8]);
    expect(t!.upper).toBeGreaterThan(0);
    expect(t!.lower).toBeLessThan(0);
    for (const l of t!.looks) expect(Number.isFinite(l.llr)).toBe(true);
    expect(t!.looks[0]!.llr).not.toBe(t!.looks[1]!.llr);
  });

  it('gives no SPRT trace for a run without an SPRT gate', async () => {
    const store = new LocalStore(dir, { warn: () => undefined });
    await store.commitRun(record(runId(2), 'PASS', [0.5]));
    const v = (await (await app.request(`http://127.0.0.1/api/runs/p/s/m/${runId(2)}`)).json()) as {
      sprt: unknown[];
    };
    expect(v.sprt).toEqual([]);
  });
});
