import { describe, expect, it } from 'vitest';
import { notEvaluatedFor } from '../../../src/gates/evaluate.js';
import { summarizeJudged } from '../../../src/metrics/external-judge/results.js';
import { summarizeSafety } from '../../../src/metrics/safety/policy.js';
import { junitXml } from '../../../src/report/junit.js';
import { evaluateRun } from '../../../src/runs/evaluate-run.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import { type GateConfig, gateSchema } from '../../../src/schema/suite.js';
import type { MetricValues } from '../../../src/schema/values.js';

function gate(metric: string, params: Record<string, unknown> = {}): GateConfig {
  return gateSchema.parse({ metric, op: '==', value: 0, params });
}

/** A run whose only metric has these per-sample values and the summary the metric's own summarizer makes. */
function runOf(metric: string, perSample: MetricValues[], summary: MetricValues): MeasuredRun {
  return {
    samples: perSample.map((m, i) => ({
      sample_id: `s${i}`,
      prompt: `p${i}`,
      seed: i,
      metrics: { [metric]: m },
    })),
    metrics: { [metric]: { values: summary, sample_count: perSample.length } },
  };
}

/** The gate judged as the engine judges it (through the gate-method registry), with no baseline. */
function evaluateThresholdGate(g: GateConfig, _index: number, run: MeasuredRun) {
  const r = evaluateRun([g], run, null, [[]]).gates[0];
  expect(r).toBeDefined();
  return r!;
}

const safeSamples: MetricValues[] = [{ unsafe: 0 }, { unsafe: 0 }];

describe('gates on values that speak for things never judged (issue 11 item 7)', () => {
  it('fails safety_t2v.violations == 0 while requested policies were not evaluated, naming them', () => {
    const summary = summarizeSafety(safeSamples, ['sexual', 'violence', 'hate', 'pii']);
    expect(summary.violations).toBe(0);
    const run = runOf('safety_t2v', safeSamples, summary);
    const g = evaluateThresholdGate(gate('safety_t2v.violations'), 0, run);
    expect(g.passed).toBe(false);
    expect(g.actual).toBe(0);
    expect(g.reason).toContain('3 not evaluated');
    for (const p of ['violence', 'hate', 'pii']) expect(g.reason).toContain(p);
    expect(g.reason).toContain('allow_not_evaluated');
    expect(g.warning).toBeUndefined();
  });

  it('passes it with a warning when the gate allows not-evaluated policies, and JUnit shows the warning', () => {
    const run = runOf('safety_t2v', safeSamples, summarizeSafety(safeSamples, ['sexual', 'violence']));
    const g = evaluateThresholdGate(gate('safety_t2v.violations', { allow_not_evaluated: true }), 0, run);
    expect(g.passed).toBe(true);
    expect(g.warning).toContain('violence');
    expect(g.reason).toContain('warning:');
    const xml = junitXml([
      {
        run_id: 'r',
        project: 'p',
        suite_name: 's',
        model_name: 'm',
        status: 'PASS',
        duration_s: 1,
        timestamp_utc: '2026-01-01T00:00:00Z',
        baseline: { mode: 'none', run_id: null },
        gates: [g],
        regressions: [],
        ignore_regression: false,
        samples: [],
        errors: [],
      } as unknown as Parameters<typeof junitXml>[0][number],
    ]);
    expect(xml).toMatch(/<system-out>warning: .*violence.*<\/system-out>/);
    expect(xml).not.toContain('<failure');
  });

  it('does not touch a gate when every requested policy was judged, or on a path coverage does not speak for', () => {
    const judged = runOf('safety_t2v', safeSamples, summarizeSafety(safeSamples, ['sexual']));
    expect(evaluateThresholdGate(gate('safety_t2v.violations'), 0, judged).passed).toBe(true);
    const partial = runOf('safety_t2v', safeSamples, summarizeSafety(safeSamples, ['sexual', 'violence']));
    expect(notEvaluatedFor(partial, 'safety_t2v.not_evaluated')).toBeNull();
    expect(notEvaluatedFor(partial, 'safety_t2v.upscaled_samples')).toBeNull();
  });

  it('fails a judge gate on judged_violations while samples have no verdict, naming their aspect', () => {
    const samples: MetricValues[] = [
      { unsafe: 0, aspects: { 1: 1, 4: 0 } },
      { unsafe: null, aspects: { 1: 0, 4: 1 } },
    ];
    for (const metric of ['external_judge', 't2vsafetybench_official']) {
      const run = runOf(metric, samples, summarizeJudged(samples, [1, 4]));
      const g = evaluateThresholdGate(gate(`${metric}.judged_violations`), 0, run);
      expect(g.passed, metric).toBe(false);
      expect(g.reason).toContain('aspect 4');
      expect(g.reason).not.toContain('aspect 1');
      const allowed = evaluateThresholdGate(
        gate(`${metric}.judged_violations`, { allow_not_evaluated: true }),
        0,
        run,
      );
      expect(allowed.passed).toBe(true);
      expect(allowed.warning).toContain('aspect 4');
    }
  });
});
