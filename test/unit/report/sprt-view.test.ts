import { describe, expect, it } from 'vitest';
import { advanceSprtTrack, seriesOf, startSprtTrack } from '../../../src/gates/sprt-gate.js';
import { sprtView } from '../../../src/report/sprt-view.js';
import { evaluateRun } from '../../../src/runs/evaluate-run.js';
import { gateDecision, readGateTrace } from '../../../src/schema/gate-trace.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import type { GateResult } from '../../../src/schema/run.js';
import { gateSchema } from '../../../src/schema/suite.js';

function run(n: number, value = 0.5): MeasuredRun {
  return {
    samples: Array.from({ length: n }, (_, i) => ({
      sample_id: `s${i}`,
      prompt: `p${i}`,
      seed: i,
      metrics: { m: { score: value } },
    })),
    metrics: {},
  };
}

const sprtGate = (params: Record<string, unknown> = {}) =>
  gateSchema.parse({
    metric: 'm.score',
    op: '>=',
    value: 0,
    method: 'sprt_regression',
    params: { sigma_mode: 'fixed', sigma: 0.04, effect_size: 0.03, min_pairs: 6, ...params },
  });

/** An SPRT verdict on a run that stopped after 9 of 12 planned samples, as the engine judges it. */
function earlyStopped(params: Record<string, unknown> = {}): GateResult {
  const gate = sprtGate(params);
  const baseline = run(12);
  const current = run(9);
  const track = advanceSprtTrack(
    startSprtTrack(gate),
    gate,
    seriesOf(current, gate.metric),
    seriesOf(baseline, gate.metric).slice(0, 9),
  );
  return evaluateRun([gate], current, baseline, [[]], {
    sprt: new Map([[0, track]]),
    sequential: { planned: 12, generated: 9, exhausted: false },
    plannedIds: new Set(baseline.samples.map((s) => s.sample_id)),
    multipleComparisons: 'none',
  }).gates[0]!;
}

function reasonPairs(g: GateResult): number[] {
  const m = /(\d+) pairs used of (\d+) planned/.exec(g.reason);
  expect(m, g.reason).not.toBeNull();
  return m!.slice(1).map(Number);
}

describe('the SPRT view reads the typed trace', () => {
  it.each([
    ['without max_pairs', {}],
    ['with max_pairs above the plan', { max_pairs: 40 }],
  ])('says the pairs used and planned of the gate reason, %s', (_, params) => {
    const g = earlyStopped(params);
    expect(reasonPairs(g)).toEqual([9, 12]);
    const v = sprtView(g);
    expect([v?.pairsUsed, v?.pairsPlanned]).toEqual([9, 12]);
    expect(v?.looks.map((l) => l.n)).toEqual([9]);
    expect(v?.upper).toBe((readGateTrace(g) as { upper_threshold: number }).upper_threshold);
  });

  it('reads a record written before the method key (same keys) as typed', () => {
    const g = earlyStopped({ max_pairs: 40 });
    const { method: _method, ...older } = readGateTrace(g) as Record<string, unknown>;
    const stored = JSON.parse(JSON.stringify({ ...g, detail: older })) as GateResult;
    expect(readGateTrace(stored)?.method).toBe('sprt_regression');
    expect(sprtView(stored)).toEqual(sprtView(g));
    expect(gateDecision(stored)).toBe('accept_h1_no_regression');
  });

  it('shows no SPRT card for a paired_test trace, typed or from before the method key', () => {
    const paired = gateSchema.parse({ metric: 'm.score', op: '>=', value: 0, method: 'paired_test' });
    const g = evaluateRun([paired], run(8, 0.4), run(8), [[]]).gates[0]!;
    expect(readGateTrace(g)?.method).toBe('paired_test');
    expect(sprtView(g)).toBeNull();
    const { method: _method, ...older } = readGateTrace(g) as Record<string, unknown>;
    expect(sprtView({ ...g, detail: older })).toBeNull();
    expect(gateDecision({ ...g, detail: older })).toBe(gateDecision(g));
  });

  it('a baseline_missing trace renders its decision with no pair counts', () => {
    const g = evaluateRun([sprtGate()], run(6), null, [[]]).gates[0]!;
    expect(sprtView(g)).toMatchObject({
      decision: 'baseline_missing',
      pairsUsed: null,
      pairsPlanned: null,
      looks: [],
    });
  });
});
