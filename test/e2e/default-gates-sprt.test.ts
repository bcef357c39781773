import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { REPO_ROOT, tempDir } from '../support/cli.js';
import {
  BENIGN,
  caughtBy,
  DEGRADATIONS,
  expectSummaryNamesCatch,
  runSuiteText,
  withParamsAfter,
} from '../support/gate-runs.js';

/**
 * The shipped SPRT example with its default gates: a first run with no baseline passes (bootstrap), a rerun
 * stops early and becomes a baseline with fewer samples, and a candidate against that early-stopped baseline
 * generates only samples that pair with it and passes; other seeds pass; every degradation fails, and the
 * degraded twin fails against the early-stopped baseline.
 */
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'regression_sprt.yaml');
const DEGRADED = path.join(REPO_ROOT, 'examples', 'regression_sprt_degraded.yaml');
const withParams = withParamsAfter('      noise_scale: 0.06\n');

let dir: string;
let example: string;
const run = (name: string, text: string, extra: string[]) => runSuiteText(dir, name, text, extra);
const sprtGate = (rec: RunRecord) => rec.gates.find((g) => g.method === 'sprt_regression')!;
const sprtDecision = (rec: RunRecord) => (sprtGate(rec).detail as { decision: string }).decision;
const generatedIds = (rec: RunRecord) => rec.samples.map((s) => s.sample_id);

beforeAll(async () => {
  dir = await tempDir('tci-default-gates-sprt-');
  example = await fs.readFile(EXAMPLE, 'utf8');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('examples/regression_sprt.yaml with its default gates', () => {
  let full: RunRecord;
  let early: RunRecord;
  beforeAll(async () => {
    // Default SPRT params, no baseline: a bootstrap run that passes and becomes the first baseline.
    const first = await run('full', example, ['--baseline-mode', 'none', '--tag', 'full']);
    expect(first.code, first.stderr).toBe(0);
    full = first.rec;
    const rerun = await run('early', example, ['--baseline-mode', 'tag:full', '--tag', 'early']);
    expect(rerun.code, rerun.stderr).toBe(0);
    early = rerun.rec;
  }, 600_000);

  it('passes a first run without a baseline, saying the SPRT gate did not judge it', () => {
    expect(full.status).toBe('PASS');
    expect(sprtGate(full).reason).toMatch(/bootstrap run, not evaluated/);
    expect(full.samples).toHaveLength(12);
  });

  it('stops a rerun early: an identical model is accepted before the plan is exhausted', () => {
    expect(sprtDecision(early)).toBe('accept_h1_no_regression');
    expect(early.sequential?.stopped_early).toBe(true);
    expect(early.samples.length).toBeLessThan(12);
  });

  it('pairs a candidate with an early-stopped baseline: only pairable samples are generated', async () => {
    const { code, rec } = await run('vs-early', example, ['--baseline-mode', 'tag:early']);
    expect(caughtBy(rec)).toEqual([]);
    expect(code).toBe(0);
    expect(sprtDecision(rec)).toBe('accept_h1_no_regression');
    const pairable = new Set(generatedIds(early));
    expect(generatedIds(rec).filter((id) => !pairable.has(id))).toEqual([]);
  }, 300_000);

  it('fails the degraded twin against the early-stopped baseline', async () => {
    const degraded = await fs.readFile(DEGRADED, 'utf8');
    const { code, rec } = await run('twin-vs-early', degraded, ['--baseline-mode', 'tag:early']);
    expect(code).toBe(2);
    expect(sprtDecision(rec)).toBe('accept_h0_regression');
    const pairable = new Set(generatedIds(early));
    expect(generatedIds(rec).filter((id) => !pairable.has(id))).toEqual([]);
  }, 300_000);

  it('passes other seeds of the same model: nothing pairs, and the gates say so', async () => {
    const other = example.replace('seeds: [0, 1, 2]', 'seeds: [3, 4, 5]');
    const { code, rec } = await run('other-seeds', other, ['--baseline-mode', 'tag:full']);
    expect(caughtBy(rec)).toEqual([]);
    expect(code).toBe(0);
    expect(sprtGate(rec).reason).toMatch(/^not evaluated: none of 12 samples pairs with the baseline/);
  }, 300_000);

  for (const [what, params] of BENIGN) {
    it(`passes ${what} (${JSON.stringify(params)})`, async () => {
      const { code, rec } = await run(what, withParams(example, params), ['--baseline-mode', 'tag:full']);
      expect(caughtBy(rec)).toEqual([]);
      expect(code).toBe(0);
    }, 300_000);
  }

  // Three samples each (CI time): too few for the SPRT gate to decide, so what must catch each degradation
  // is one of the default gates or a regression check, never the SPRT gate's inconclusive policy alone.
  for (const [what, params] of DEGRADATIONS) {
    it(`catches ${what} (${JSON.stringify(params)}) with a default gate`, async () => {
      const { code, rec, stdout } = await run(`deg-${what}`, withParams(example, params), [
        '--baseline-mode',
        'tag:full',
        '--sample',
        '3',
      ]);
      expect(code).toBe(2);
      const caught = [
        ...rec.gates.filter((g) => !g.passed && g.method !== 'sprt_regression').map((g) => g.metric),
        ...rec.regressions.filter((r) => r.regressed).map((r) => r.metric),
      ];
      expect(caught.length, JSON.stringify(caughtBy(rec))).toBeGreaterThan(0);
      expectSummaryNamesCatch(rec, stdout);
    }, 300_000);
  }
});
