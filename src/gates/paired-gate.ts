/**
 * The `paired_test` gate: a fixed-sample paired test (t or bootstrap) on deltas paired with the baseline by
 * sample_id. It fails only when the regression is significant AND beyond the magnitude floors. Across several
 * such gates, `run.multiple_comparisons: holm` adjusts their p-values together. Pure.
 */

import type { PairedTrace, WorstDelta } from '../schema/gate-trace.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { GateResult } from '../schema/run.js';
import type { GateConfig } from '../schema/suite.js';
import { type GateDraft, settled } from './draft.js';
import { evaluateThresholdGate } from './evaluate.js';
import { type PairedTestResult, pairedTest } from './paired-test.js';
import { pairedTestParamsSchema } from './paired-test-params.js';
import { type DirectionalOp, pairDeltas } from './pairing.js';
import { pairableCurrent, seriesOf } from './sprt-gate.js';

function round(v: number, digits = 8): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : v;
}

/** Omit applied to each member of a union, so the result stays a discriminated union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What each branch of the gate decides; the verdict adds the parts every paired trace shares. */
type PairedDecision = DistributiveOmit<PairedTrace, 'method' | 'threshold_passed' | 'decision_passed'>;

export function draftPairedGate(
  gate: GateConfig,
  index: number,
  run: MeasuredRun,
  baseline: MeasuredRun | null,
): GateDraft {
  const params = pairedTestParamsSchema.parse(gate.params);
  const threshold = evaluateThresholdGate(gate, index, run);
  const verdict = (decisionPassed: boolean, why: string, decision: PairedDecision): GateResult => {
    const trace: PairedTrace = {
      method: 'paired_test',
      threshold_passed: threshold.passed,
      decision_passed: decisionPassed,
      ...decision,
    };
    return {
      ...threshold,
      passed: threshold.passed && decisionPassed,
      reason: `${why}; threshold: ${threshold.reason}`,
      detail: trace,
    };
  };

  const missingPolicy =
    params.require_baseline && params.baseline_missing === 'skip' ? 'fail' : params.baseline_missing;
  if (baseline === null) {
    const policy = missingPolicy;
    return settled(
      verdict(policy !== 'fail', `no baseline: baseline_missing policy ${policy}`, {
        decision: 'baseline_missing',
        baseline_missing_policy: policy,
      }),
    );
  }
  const baseSeries = seriesOf(baseline, gate.metric);
  const pairing = pairDeltas(
    pairableCurrent(seriesOf(run, gate.metric), baseline),
    baseSeries,
    gate.op as DirectionalOp,
    params.pairing_mode,
  );
  const pairingDetail = {
    mode: pairing.mode,
    expected_pairs: pairing.expected_pairs,
    paired_count: pairing.paired_count,
    paired_ratio: round(pairing.paired_ratio, 6),
  };
  const worst: WorstDelta[] = pairing.worst_deltas.map((p) => ({
    sample_id: p.key,
    prompt: p.prompt ?? null,
    seed: p.seed ?? null,
    current: p.current,
    baseline: p.baseline,
    delta: p.delta,
  }));
  if (pairing.paired_count === 0 && pairing.expected_pairs > 0) {
    // Other seeds or prompts of the same model are not a regression: nothing compares, as with no baseline.
    return settled(
      verdict(
        missingPolicy !== 'fail',
        `not evaluated: none of ${pairing.expected_pairs} samples pairs with the baseline (other seeds or prompts); baseline_missing policy ${missingPolicy}`,
        {
          decision: 'pairing_mismatch',
          reason: 'no_common_samples',
          pairing_mismatch_policy: missingPolicy,
          pairing: pairingDetail,
        },
      ),
    );
  }
  if (pairing.paired_ratio < params.min_paired_ratio) {
    const policy = params.pairing_mismatch;
    return settled(
      verdict(
        policy !== 'fail',
        `pairing mismatch: ${pairing.paired_count} of ${pairing.expected_pairs} samples paired (ratio ${pairingDetail.paired_ratio} < ${params.min_paired_ratio}); policy ${policy}`,
        {
          decision: 'pairing_mismatch',
          reason: 'paired_ratio_below_min',
          pairing_mismatch_policy: policy,
          pairing: pairingDetail,
        },
      ),
    );
  }
  if (pairing.paired_count < params.min_pairs) {
    // Too little data can never clear a build.
    return settled(
      verdict(false, `only ${pairing.paired_count} pairs, min_pairs is ${params.min_pairs}`, {
        decision: 'insufficient_pairs',
        pairing: pairingDetail,
      }),
    );
  }
  const baselineMean = pairing.pairs.reduce((a, p) => a + p.baseline, 0) / pairing.pairs.length;
  const r: PairedTestResult = pairedTest(pairing.deltas, {
    method: params.test,
    confidence: params.confidence,
    seed: params.seed,
    iterations: params.iterations,
    min_absolute_change: params.min_absolute_change,
    min_relative_change: params.min_relative_change,
    baselineMean,
  });
  return {
    p: r.p_value,
    finish(adjustedP, correction) {
      const level = 1 - params.confidence;
      // With a correction, significance is read from the adjusted p; without, from the interval.
      const significant = correction === 'none' || adjustedP === null ? r.significant : adjustedP < level;
      const regressed = significant && r.magnitude_ok && r.mean < 0;
      const pText =
        correction === 'none'
          ? `p=${round(r.p_value, 6)}`
          : `p=${round(r.p_value, 6)}, ${correction} p=${round(adjustedP ?? r.p_value, 6)}`;
      const floors = `floors ${params.min_absolute_change} abs, ${params.min_relative_change * 100}% rel`;
      const why = regressed
        ? `paired ${params.test}: regression, mean delta ${round(r.mean, 6)} over ${r.n} pairs (${pText}, beyond ${floors})`
        : !significant
          ? `paired ${params.test}: no significant change, mean delta ${round(r.mean, 6)} over ${r.n} pairs (${pText})`
          : !r.magnitude_ok
            ? `paired ${params.test}: significant but within ${floors}, mean delta ${round(r.mean, 6)} over ${r.n} pairs (${pText})`
            : `paired ${params.test}: improvement, mean delta ${round(r.mean, 6)} over ${r.n} pairs (${pText})`;
      return verdict(!regressed, why, {
        decision: regressed ? 'regression' : 'no_regression',
        test: params.test,
        n: r.n,
        mean_delta: round(r.mean),
        sd: round(r.sd),
        ci: [round(r.ci[0]), round(r.ci[1])],
        confidence: params.confidence,
        p_value: round(r.p_value, 10),
        adjusted_p_value: adjustedP === null ? null : round(adjustedP, 10),
        correction,
        significant,
        magnitude_ok: r.magnitude_ok,
        baseline_mean: round(baselineMean),
        min_absolute_change: params.min_absolute_change,
        min_relative_change: params.min_relative_change,
        pairing: pairingDetail,
        worst_deltas: worst,
      });
    },
  };
}
