import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../../../src/runs/evaluate-run.js';
import { readGateTrace } from '../../../src/schema/gate-trace.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import type { GateResult } from '../../../src/schema/run.js';
import { type GateConfig, gateSchema } from '../../../src/schema/suite.js';

function gate(g: Record<string, unknown>): GateConfig {
  return gateSchema.parse(g);
}

/** The gate's trace, parsed by the schema every reader uses (so it must parse), as plain keys. */
function trace(g: GateResult | undefined): Record<string, unknown> {
  const t = g === undefined ? null : readGateTrace(g);
  expect(t, 'the gate wrote a typed trace').not.toBeNull();
  return t as Record<string, unknown>;
}

const sprt = (over: Record<string, unknown> = {}, params: Record<string, unknown> = {}) =>
  gate({
    metric: 'm.score',
    op: '>=',
    value: 0,
    method: 'sprt_regression',
    params: { sigma_mode: 'fixed', sigma: 0.04, effect_size: 0.03, ...params },
    ...over,
  });

function run(scores: number[], idPrefix = 's'): MeasuredRun {
  return {
    samples: scores.map((s, i) => ({
      sample_id: `${idPrefix}${i}`,
      prompt: `p${i}`,
      seed: i,
      metrics: { m: { score: s } },
    })),
    metrics: {},
  };
}

const twelve = (v: number) => Array.from({ length: 12 }, () => v);

describe('sprt_regression gate verdicts', () => {
  it('passes an identical candidate with the trace the report needs', () => {
    const v = evaluateRun([sprt()], run(twelve(0.5)), run(twelve(0.5)), [[]]);
    const g = v.gates[0]!;
    expect(g.passed).toBe(true);
    expect(trace(g).decision).toBe('accept_h1_no_regression');
    expect(trace(g).pairs_used).toBe(12);
    // sigma_mode fixed → corrected boundaries. One look at 12 pairs with δ/σ = 0.75 would shift them by
    // 0.5826·0.75·√12 = 1.51, more than the cap of half of each Wald boundary, so the cap applies.
    expect(trace(g).boundary).toBe('corrected');
    expect(trace(g).wald_upper_threshold).toBeCloseTo(2.890372, 5);
    expect(trace(g).wald_lower_threshold).toBeCloseTo(-2.251292, 5);
    expect(trace(g).upper_threshold).toBeCloseTo(2.890372 / 2, 5);
    expect(trace(g).lower_threshold).toBeCloseTo(-2.251292 / 2, 5);
    expect(trace(g).drift_per_pair).toBeCloseTo(0.28125, 8);
    expect(trace(g).fixed_n_pairs).toBe(16);
    expect(trace(g).waves).toHaveLength(1);
    expect(g.reason).toMatch(/no regression/);
  });

  it("boundary: wald keeps the original's boundaries; estimate mode defaults to them", () => {
    for (const params of [{ boundary: 'wald' }, { sigma_mode: 'estimate', sigma: undefined }]) {
      const g = evaluateRun([sprt({}, params)], run(twelve(0.5)), run(twelve(0.5)), [[]]).gates[0]!;
      expect(trace(g).boundary).toBe('wald');
      expect(trace(g).upper_threshold).toBeCloseTo(2.890372, 5);
      expect(trace(g).lower_threshold).toBeCloseTo(-2.251292, 5);
    }
  });

  it('at_max_pairs: sign decides by the LLR sign at max_pairs instead of inconclusive', () => {
    // Mean delta −0.01 with δ = 0.03: LLR = 6·(2·0.03·(−0.01) + 0.0009)/0.0032 = 0.5625 > 0, between B and A.
    const params = { max_pairs: 6, min_pairs: 6, boundary: 'wald' };
    const six = (v: number) => Array.from({ length: 6 }, () => v);
    const cur = run(six(0.49));
    const base = run(six(0.5));
    const inc = evaluateRun([sprt({}, params)], cur, base, [[]]).gates[0]!;
    expect(trace(inc).decision).toBe('inconclusive');
    expect(inc.passed).toBe(false);
    const signed = evaluateRun([sprt({}, { ...params, at_max_pairs: 'sign' })], cur, base, [[]]).gates[0]!;
    expect(trace(signed).decision).toBe('accept_h1_no_regression');
    expect(trace(signed).decided_by).toBe('max_pairs_sign');
    expect(trace(signed).llr).toBeCloseTo(0.5625, 8);
    expect(signed.passed).toBe(true);
    expect(signed.reason).toMatch(/truncated/);
    // Mean delta −0.02: LLR = 6·(−0.0012 + 0.0009)/0.0032 = −0.5625 < 0 → regression.
    const worse = evaluateRun([sprt({}, { ...params, at_max_pairs: 'sign' })], run(six(0.48)), base, [[]]);
    expect(trace(worse.gates[0]).decision).toBe('accept_h0_regression');
    expect(worse.gates[0]?.passed).toBe(false);
  });

  it('fails a regression, and lists the worst deltas with prompt and seed', () => {
    const cur = twelve(0.5);
    cur[3] = 0.2;
    const v = evaluateRun([sprt()], run(cur.map((x) => x - 0.05)), run(twelve(0.5)), [[]]);
    const g = v.gates[0]!;
    expect(g.passed).toBe(false);
    expect(trace(g).decision).toBe('accept_h0_regression');
    const worst = trace(g).worst_deltas as { sample_id: string; prompt: string; seed: number }[];
    expect(worst[0]).toMatchObject({ sample_id: 's3', prompt: 'p3', seed: 3 });
    expect(worst).toHaveLength(5);
  });

  it('normalises direction by op: for <= a higher value is worse', () => {
    const g = sprt({ op: '<=', value: 10 });
    expect(evaluateRun([g], run(twelve(0.6)), run(twelve(0.5)), [[]]).gates[0]?.passed).toBe(false);
    expect(evaluateRun([g], run(twelve(0.4)), run(twelve(0.5)), [[]]).gates[0]?.passed).toBe(true);
  });

  it('still applies the threshold part', () => {
    const g = sprt({ value: 0.9 });
    const r = evaluateRun([g], run(twelve(0.5)), run(twelve(0.5)), [[]]).gates[0]!;
    expect(trace(r).decision).toBe('accept_h1_no_regression');
    expect(trace(r).threshold_passed).toBe(false);
    expect(r.passed).toBe(false);
  });

  it('applies the baseline_missing policy', () => {
    // Issue 11 item 4: the strict policy is now opt-in (require_baseline: true); the default is a bootstrap.
    const fail = evaluateRun([sprt({}, { require_baseline: true })], run(twelve(0.5)), null, [[]]).gates[0]!;
    expect(fail.passed).toBe(false);
    expect(trace(fail).decision).toBe('baseline_missing');
    expect(trace(fail).reason).toBe('baseline_missing');
    const explicit = sprt({}, { baseline_missing: 'fail' });
    expect(evaluateRun([explicit], run(twelve(0.5)), null, [[]]).gates[0]?.passed).toBe(false);
    const skip = sprt({}, { require_baseline: false, baseline_missing: 'skip' });
    expect(evaluateRun([skip], run(twelve(0.5)), null, [[]]).gates[0]?.passed).toBe(true);
  });

  it('passes a run with no baseline by default as a bootstrap, saying it was not evaluated', () => {
    const r = evaluateRun([sprt()], run(twelve(0.5)), null, [[]]).gates[0]!;
    expect(r.passed).toBe(true);
    const t = trace(r);
    expect(t).toMatchObject({
      decision: 'baseline_missing',
      reason: 'bootstrap',
      baseline_missing_policy: 'skip',
      require_baseline: false,
    });
    expect(r.reason).toContain('no baseline: bootstrap run, not evaluated');
  });

  it('treats a candidate that shares no sample with the baseline like one without a baseline', () => {
    // Other seeds of the same model: nothing compares, which is not a regression (issue 11 item 3).
    const r = evaluateRun([sprt()], run(twelve(0.5), 'x'), run(twelve(0.5)), [[]]).gates[0]!;
    expect(trace(r)).toMatchObject({ decision: 'pairing_mismatch', reason: 'no_common_samples' });
    expect(trace(r).pairing_mismatch_policy).toBe('skip');
    expect(r.passed).toBe(true);
    expect(r.reason).toMatch(/^not evaluated: none of 12 samples pairs with the baseline/);
    const strict = sprt({}, { require_baseline: true });
    expect(evaluateRun([strict], run(twelve(0.5), 'x'), run(twelve(0.5)), [[]]).gates[0]?.passed).toBe(false);
  });

  it('applies the pairing_mismatch policy when only some sample ids pair', () => {
    const half = [...run(twelve(0.5).slice(0, 6)).samples, ...run(twelve(0.5).slice(6), 'x').samples];
    const cur = { ...run(twelve(0.5)), samples: half };
    const r = evaluateRun([sprt()], cur, run(twelve(0.5)), [[]]).gates[0]!;
    expect(trace(r)).toMatchObject({ decision: 'pairing_mismatch', reason: 'paired_ratio_below_min' });
    expect(r.passed).toBe(false);
    const pass = sprt({}, { pairing_mismatch: 'pass' });
    expect(evaluateRun([pass], cur, run(twelve(0.5)), [[]]).gates[0]?.passed).toBe(true);
  });

  it('does not count samples an early-stopped baseline skipped as a pairing mismatch', () => {
    const base = {
      ...run(twelve(0.5).slice(0, 8)),
      skipped_samples: [8, 9, 10, 11].map((i) => ({ sample_id: `s${i}` })),
    };
    const r = evaluateRun([sprt()], run(twelve(0.5)), base, [[]]).gates[0]!;
    expect(trace(r).paired_ratio).toBe(1);
    expect(trace(r).pairs_used).toBe(8);
    // Without the skipped list the same baseline is a plan mismatch (8 of 12).
    const plain = evaluateRun([sprt()], run(twelve(0.5)), run(twelve(0.5).slice(0, 8)), [[]]).gates[0]!;
    expect(trace(plain).decision).toBe('pairing_mismatch');
  });

  it('applies the inconclusive policy with too few pairs', () => {
    const r = evaluateRun([sprt()], run([0.5, 0.5, 0.5]), run([0.5, 0.5, 0.5]), [[]]).gates[0]!;
    expect(trace(r).decision).toBe('inconclusive');
    expect(trace(r).reason).toBe('insufficient_pairs');
    expect(r.passed).toBe(false);
    const pass = sprt({}, { inconclusive: 'pass' });
    expect(evaluateRun([pass], run([0.5, 0.5, 0.5]), run([0.5, 0.5, 0.5]), [[]]).gates[0]?.passed).toBe(true);
  });

  it('judges 11 clean pairs then 100 regressed ones as a regression', () => {
    const cur = [...Array.from({ length: 11 }, () => 0.5), ...Array.from({ length: 100 }, () => 0.4)];
    const base = cur.map(() => 0.5);
    const r = evaluateRun([sprt()], run(cur), run(base), [[]]).gates[0]!;
    expect(trace(r).decision).toBe('accept_h0_regression');
    expect(r.passed).toBe(false);
  });
});

describe('paired_test gate', () => {
  const paired = (params: Record<string, unknown> = {}) =>
    gate({ metric: 'm.score', op: '>=', value: 0, method: 'paired_test', params });
  const noisy = (shift: number) => Array.from({ length: 20 }, (_, i) => 0.5 + shift + ((i % 5) - 2) * 0.01);

  it('fails only when significant and beyond the magnitude floor', () => {
    const base = run(noisy(0));
    const big = evaluateRun([paired()], run(noisy(-0.05)), base, [[]]).gates[0]!;
    expect(big.passed).toBe(false);
    expect(trace(big).decision).toBe('regression');
    // Significant (every delta is −0.001) but 0.2% of the baseline: inside the 1% relative floor.
    const tiny = evaluateRun([paired()], run(noisy(-0.001)), base, [[]]).gates[0]!;
    expect(trace(tiny).significant).toBe(true);
    expect(tiny.passed).toBe(true);
  });

  it('judges other seeds (no common sample) by the baseline_missing policy, not as a mismatch', () => {
    const lenient = paired({ require_baseline: false, baseline_missing: 'skip' });
    const r = evaluateRun([lenient], run(noisy(-0.05), 'x'), run(noisy(0)), [[]]).gates[0]!;
    expect(trace(r)).toMatchObject({ decision: 'pairing_mismatch', reason: 'no_common_samples' });
    expect(r.passed).toBe(true);
    // paired_test requires a baseline by default, so nothing to compare fails it.
    expect(evaluateRun([paired()], run(noisy(0), 'x'), run(noisy(0)), [[]]).gates[0]?.passed).toBe(false);
  });

  it('Holm-adjusts p-values across paired gates when asked', () => {
    const base = run(noisy(0));
    const cur = run(noisy(0).map((x, i) => x - 0.012 + (i % 2 === 0 ? 0.02 : -0.02)));
    const gates = [paired(), gate({ metric: 'm.score', op: '<=', value: 9, method: 'paired_test' })];
    const ctx = {
      sprt: new Map(),
      sequential: { planned: 20, generated: 20, exhausted: true },
      plannedIds: new Set(cur.samples.map((s) => s.sample_id)),
      multipleComparisons: 'holm' as const,
    };
    const none = evaluateRun(gates, cur, base, [[], []], { ...ctx, multipleComparisons: 'none' });
    const holm = evaluateRun(gates, cur, base, [[], []], ctx);
    const p = trace(none.gates[0]).p_value as number;
    const adj = trace(holm.gates[0]).adjusted_p_value as number;
    // Two tests with equal p: Holm multiplies the smaller by 2 and keeps the family monotone.
    expect(adj).toBeCloseTo(Math.min(1, 2 * p), 10);
    expect(p).toBeGreaterThan(0);
    expect(trace(holm.gates[0]).correction).toBe('holm');
  });
});
