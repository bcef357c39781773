import { describe, expect, it } from 'vitest';
import {
  applyWindow,
  evaluateRegression,
  evaluateThresholdGate,
  resolveGateActual,
} from '../../../src/gates/evaluate.js';
import { evaluateRun, gateHistory } from '../../../src/runs/evaluate-run.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import { type GateConfig, gateSchema } from '../../../src/schema/suite.js';

function gate(g: Record<string, unknown>): GateConfig {
  return gateSchema.parse(g);
}

function run(scores: (number | null)[], summary: Record<string, number> = {}): MeasuredRun {
  return {
    samples: scores.map((s, i) => ({
      sample_id: `s${i}`,
      prompt: `p${i}`,
      seed: i,
      metrics: { m: { score: s, dims: { a: s === null ? null : s / 2 } } },
    })),
    metrics: { m: { values: { ...summary }, sample_count: scores.length } },
  };
}

describe('resolveGateActual', () => {
  it('aggregates per-sample values, skipping missing ones', () => {
    const r = run([0.2, 0.4, null, 0.9]);
    expect(resolveGateActual(r, 'm.score', 'mean')).toEqual({ value: 0.5, sampleCount: 3 });
    expect(resolveGateActual(r, 'm.score', 'min').value).toBe(0.2);
    expect(resolveGateActual(r, 'm.score', 'max').value).toBe(0.9);
    expect(resolveGateActual(r, 'm.score', 'p50').value).toBe(0.4);
    expect(resolveGateActual(r, 'm.dims.a', 'mean').value).toBeCloseTo(0.25, 12);
  });

  it('interpolates percentiles linearly', () => {
    const r = run([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(resolveGateActual(r, 'm.score', 'p10').value).toBeCloseTo(2, 12);
    expect(resolveGateActual(r, 'm.score', 'p90').value).toBeCloseTo(10, 12);
  });

  it('reads run-level values from the summary', () => {
    const r = run([0.5], { violations: 3 });
    expect(resolveGateActual(r, 'm.violations', 'mean')).toEqual({ value: 3, sampleCount: 1 });
  });

  it('reports a missing path as null', () => {
    expect(resolveGateActual(run([0.5]), 'm.nothing', 'mean').value).toBeNull();
    expect(resolveGateActual(run([0.5]), 'other.score', 'mean').value).toBeNull();
  });
});

describe('evaluateThresholdGate', () => {
  it('passes and fails on the op', () => {
    expect(
      evaluateThresholdGate(gate({ metric: 'm.score', op: '>=', value: 0.5 }), 0, run([0.5])).passed,
    ).toBe(true);
    expect(
      evaluateThresholdGate(gate({ metric: 'm.score', op: '>', value: 0.5 }), 0, run([0.5])).passed,
    ).toBe(false);
    expect(
      evaluateThresholdGate(gate({ metric: 'm.score', op: '<', value: 0.6 }), 0, run([0.5])).passed,
    ).toBe(true);
    expect(evaluateThresholdGate(gate({ metric: 'm.score', op: '==', value: 0 }), 0, run([0])).passed).toBe(
      true,
    );
    expect(evaluateThresholdGate(gate({ metric: 'm.score', op: '!=', value: 0 }), 0, run([0])).passed).toBe(
      false,
    );
  });

  it('fails a missing metric with "metric missing", never passes it', () => {
    const r = evaluateThresholdGate(gate({ metric: 'm.score', op: '<=', value: 1 }), 0, run([null, null]));
    expect(r.passed).toBe(false);
    expect(r.actual).toBeNull();
    expect(r.reason).toMatch(/metric missing/);
  });

  it('uses the chosen aggregate', () => {
    const g = gate({ metric: 'm.score', op: '>=', value: 0.3, aggregate: 'min' });
    const r = evaluateThresholdGate(g, 0, run([0.2, 0.9, 0.9]));
    expect(r.passed).toBe(false);
    expect(r.actual).toBe(0.2);
  });
});

describe('evaluateRegression', () => {
  const higher = gate({ metric: 'm.score', op: '>=', value: 0 });
  const lower = gate({ metric: 'm.score', op: '<=', value: 1 });

  it('does not fail on float noise or a change inside the default 1% floor', () => {
    expect(evaluateRegression(higher, 0, run([0.9 - 1e-12]), run([0.9]))?.regressed).toBe(false);
    expect(evaluateRegression(higher, 0, run([0.9 * 0.995]), run([0.9]))?.regressed).toBe(false);
  });

  it('fails a drop beyond both floors, in the direction of the op', () => {
    const r = evaluateRegression(higher, 0, run([0.8]), run([0.9]));
    expect(r?.regressed).toBe(true);
    expect(r?.delta).toBeCloseTo(-0.1, 12);
    expect(r?.direction).toBe('higher_is_better');
    expect(evaluateRegression(higher, 0, run([0.95]), run([0.9]))?.regressed).toBe(false);
    expect(evaluateRegression(lower, 0, run([0.95]), run([0.9]))?.regressed).toBe(true);
    expect(evaluateRegression(lower, 0, run([0.8]), run([0.9]))?.regressed).toBe(false);
  });

  it('honours the gate tolerance params', () => {
    const loose = gate({ metric: 'm.score', op: '>=', value: 0, params: { min_absolute_change: 0.2 } });
    expect(evaluateRegression(loose, 0, run([0.8]), run([0.9]))?.regressed).toBe(false);
    const strict = gate({
      metric: 'm.score',
      op: '>=',
      value: 0,
      params: { min_absolute_change: 0, min_relative_change: 0 },
    });
    expect(evaluateRegression(strict, 0, run([0.8999]), run([0.9]))?.regressed).toBe(true);
  });

  it('skips equality gates and missing values', () => {
    expect(
      evaluateRegression(gate({ metric: 'm.score', op: '==', value: 0 }), 0, run([1]), run([0])),
    ).toBeUndefined();
    expect(evaluateRegression(higher, 0, run([null]), run([0.5]))).toBeUndefined();
  });
});

describe('windowed gates', () => {
  const g = gate({ metric: 'm.score', op: '>=', value: 0.5, window: 3, min_failures: 2 });

  it('tolerates one failure in the window and fails on the second', () => {
    const failing = evaluateThresholdGate(g, 0, run([0.1]));
    const once = applyWindow(failing, g, [{ metric: 'm.score', op: '>=', passed: true }]);
    expect(once.passed).toBe(true);
    expect(once.window).toEqual({ size: 3, failures: 1, min_failures: 2 });
    const twice = applyWindow(failing, g, [
      { metric: 'm.score', op: '>=', passed: true },
      { metric: 'm.score', op: '>=', passed: false },
    ]);
    expect(twice.passed).toBe(false);
  });

  it('builds history per gate from past runs, newest first', () => {
    const h = gateHistory([g], [{ gates: [{ metric: 'm.score', op: '>=', passed: false }] }, { gates: [] }]);
    expect(h).toEqual([[{ metric: 'm.score', op: '>=', passed: false }]]);
  });
});

describe('evaluateRun', () => {
  it('never lets a naive mean check override a statistical gate', () => {
    const sprt = gate({ metric: 'm.score', op: '>=', value: 0, method: 'sprt_regression' });
    const v = evaluateRun([sprt], run([0.1]), run([0.9]), [[]]);
    expect(v.regressions).toEqual([]);
    expect(v.regressionFailed).toBe(false);
  });

  it('flags gate and regression failures separately', () => {
    const g = gate({ metric: 'm.score', op: '>=', value: 0.85 });
    const v = evaluateRun([g], run([0.8]), run([0.9]), [[]]);
    expect(v.gateFailed).toBe(true);
    expect(v.regressionFailed).toBe(true);
  });
});
