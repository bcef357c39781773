/**
 * The `sprt_regression` gate as the engine runs it: per-sample values of the current run are paired with the
 * baseline by sample_id after every wave, the new deltas are fed to the sequential test, and the final verdict
 * applies the gate's policies (baseline_missing, pairing_mismatch, inconclusive) and its threshold part.
 * Pure: the engine passes in the measured samples; nothing here does I/O.
 */

import type { SprtTestedTrace, SprtTrace } from '../schema/gate-trace.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { GateResult } from '../schema/run.js';
import type { GateConfig } from '../schema/suite.js';
import { evaluateThresholdGate, perSampleSeries } from './evaluate.js';
import { type DirectionalOp, type PairingResult, pairDeltas, type SeriesPoint } from './pairing.js';
import { createSprt, fixedNSampleSize, type SprtState, updateSprt } from './sprt.js';
import { baselineMissingPolicy, type SprtParams, sprtParamsSchema } from './sprt-params.js';

/** One SPRT gate's progress through the waves of a run. */
export interface SprtTrack {
  params: SprtParams;
  state: SprtState;
  /** Pair identities already fed to the test (`sample_id#occurrence`), so a delta is counted exactly once. */
  fed: ReadonlySet<string>;
  /** Pairing after the latest wave. */
  pairing: PairingResult;
}

/** Where the run stood when the gate was judged. */
export interface SequentialContext {
  planned: number;
  generated: number;
  /** Every planned sample was attempted. */
  exhausted: boolean;
}

export function seriesOf(run: MeasuredRun, metricPath: string): SeriesPoint[] {
  return perSampleSeries(run, metricPath).map((p) => ({
    key: p.sampleId,
    value: p.value,
    prompt: p.prompt,
    seed: p.seed,
  }));
}

/**
 * The current points that can pair at all: a sample the baseline run skipped (it stopped early) has no
 * partner by design, so it must not count as a pairing mismatch; it is left out of the paired gates.
 */
export function pairableCurrent(current: readonly SeriesPoint[], baseline: MeasuredRun): SeriesPoint[] {
  const skipped = new Set((baseline.skipped_samples ?? []).map((s) => s.sample_id));
  return skipped.size === 0 ? [...current] : current.filter((p) => !skipped.has(p.key));
}

/**
 * The baseline points the current run could have paired with so far: those whose sample was already
 * attempted, plus those not in the plan at all (a changed plan must still count against the paired ratio).
 * Baseline samples that are planned but not generated yet are simply not reached.
 */
export function reachableBaseline(
  baseline: readonly SeriesPoint[],
  attempted: ReadonlySet<string>,
  planned: ReadonlySet<string>,
): SeriesPoint[] {
  return baseline.filter((p) => attempted.has(p.key) || !planned.has(p.key));
}

export function startSprtTrack(gate: GateConfig): SprtTrack {
  const params = sprtParamsSchema.parse(gate.params);
  return {
    params,
    state: createSprt(params),
    fed: new Set(),
    pairing: pairDeltas([], [], gate.op as DirectionalOp, params.pairing_mode),
  };
}

/**
 * Feed one wave: pair everything measured so far with the reachable baseline and update the test with the
 * pairs not seen before. The baseline is fixed, so a pair appears in the wave its current sample was made
 * in and the incremental update equals a recomputation over all data.
 */
export function advanceSprtTrack(
  track: SprtTrack,
  gate: GateConfig,
  current: readonly SeriesPoint[],
  baseline: readonly SeriesPoint[],
): SprtTrack {
  const pairing = pairDeltas(current, baseline, gate.op as DirectionalOp, track.params.pairing_mode);
  const fed = new Set(track.fed);
  const seen = new Map<string, number>();
  const fresh: number[] = [];
  for (const p of pairing.pairs) {
    const k = (seen.get(p.key) ?? 0) + 1;
    seen.set(p.key, k);
    const id = `${p.key}#${k}`;
    if (fed.has(id)) continue;
    fed.add(id);
    fresh.push(p.delta);
  }
  return { params: track.params, state: updateSprt(track.state, fresh), fed, pairing };
}

/** The test decided (either way, or inconclusive at max_pairs): it needs no more samples. */
export function sprtTrackDone(track: SprtTrack): boolean {
  return track.state.decision !== 'continue';
}

function round(v: number, digits = 8): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : v;
}

function policyPasses(policy: 'fail' | 'pass' | 'skip'): boolean {
  return policy !== 'fail';
}

/** The trace keys every SPRT verdict carries, whatever it decided. */
function commonTrace(params: SprtParams, ctx: SequentialContext, thresholdPassed: boolean) {
  return {
    method: 'sprt_regression' as const,
    threshold_passed: thresholdPassed,
    alpha: params.alpha,
    beta: params.beta,
    effect_size: params.effect_size,
    min_pairs: params.min_pairs,
    max_pairs: params.max_pairs ?? null,
    min_paired_ratio: params.min_paired_ratio,
    samples_planned: ctx.planned,
    samples_generated: ctx.generated,
  };
}

type TestParts = Omit<
  SprtTestedTrace,
  | keyof ReturnType<typeof commonTrace>
  | 'decision_passed'
  | 'decision'
  | 'reason'
  | 'pairing_mismatch_policy'
  | 'inconclusive_policy'
>;

/** The test's state for the trace: what the report charts and what `pairs used of planned` is made of. */
function testTrace(track: SprtTrack, params: SprtParams, pairsPlanned: number): TestParts {
  const pairing = track.pairing;
  const s = track.state;
  return {
    pairs_used: s.n,
    pairs_planned: pairsPlanned,
    paired_ratio: round(pairing.paired_ratio, 6),
    pairing: {
      mode: pairing.mode,
      current_count: pairing.current_count,
      baseline_count: pairing.baseline_count,
      expected_pairs: pairing.expected_pairs,
      paired_count: pairing.paired_count,
      paired_ratio: round(pairing.paired_ratio, 6),
      current_unmatched: pairing.current_unmatched,
      baseline_unmatched: pairing.baseline_unmatched,
    },
    sigma_mode: params.sigma_mode,
    sigma: round(s.sigma),
    sigma_floor: params.sigma_floor,
    mean_delta: round(s.mean),
    llr: round(s.llr),
    boundary: s.boundary,
    // The boundaries of the latest look: what the LLR was compared with (Wald's unless corrected).
    upper_threshold: round(s.look_upper),
    lower_threshold: round(s.look_lower),
    wald_upper_threshold: round(s.upper),
    wald_lower_threshold: round(s.lower),
    at_max_pairs: params.at_max_pairs,
    decided_by: s.decided_by,
    // The fixed-sample z-test with the same α, β and δ at the σ used: what a non-sequential gate would need.
    fixed_n_pairs: fixedNSampleSize(params.alpha, params.beta, params.effect_size, s.sigma),
    drift_per_pair: round(s.drift_per_pair),
    required_pairs_upper: round(s.required_pairs_upper, 4),
    required_pairs_lower: round(s.required_pairs_lower, 4),
    decided_at: s.decided_at ? { wave: s.decided_at.wave, pairs: s.decided_at.n } : null,
    waves: s.waves.map((w) => ({
      wave: w.wave,
      pairs: w.n,
      llr: round(w.llr),
      sigma: round(w.sigma),
      upper: round(w.upper),
      lower: round(w.lower),
      decision: w.decision,
    })),
    worst_deltas: pairing.worst_deltas.map((p) => ({
      sample_id: p.key,
      prompt: p.prompt ?? null,
      seed: p.seed ?? null,
      current: p.current,
      baseline: p.baseline,
      delta: p.delta,
    })),
  };
}

/** The decision part of a verdict: the trace and the words of the reason before the threshold part. */
interface SprtDecisionText {
  trace: SprtTrace;
  why: string;
}

/** A tested SPRT's decision: pairing mismatch, a boundary or the sign rule, or inconclusive. */
function decideTested(
  track: SprtTrack,
  common: ReturnType<typeof commonTrace>,
  parts: TestParts,
): SprtDecisionText {
  const params = track.params;
  const pairing = track.pairing;
  const s = track.state;
  const between = `between B=${round(s.look_lower, 4)} and A=${round(s.look_upper, 4)}`;
  const stats = `(mean delta ${round(s.mean, 6)}, σ ${round(s.sigma, 6)})`;
  // The very words report.html repeats: both read pairs_used and pairs_planned from the trace.
  const used = `${parts.pairs_used} pairs used of ${parts.pairs_planned} planned`;
  if (pairing.paired_count === 0 && pairing.expected_pairs > 0) {
    // Other seeds or prompts of the same model are not a regression: nothing compares, as with no baseline.
    const policy = baselineMissingPolicy(params);
    return {
      trace: {
        ...common,
        ...parts,
        decision_passed: policyPasses(policy),
        decision: 'pairing_mismatch',
        reason: 'no_common_samples',
        pairing_mismatch_policy: policy,
      },
      why: `not evaluated: none of ${pairing.expected_pairs} samples pairs with the baseline by ${pairing.mode} (other seeds or prompts); baseline_missing policy ${policy}`,
    };
  }
  if (pairing.paired_ratio < params.min_paired_ratio) {
    const policy = params.pairing_mismatch;
    return {
      trace: {
        ...common,
        ...parts,
        decision_passed: policyPasses(policy),
        decision: 'pairing_mismatch',
        reason: 'paired_ratio_below_min',
        pairing_mismatch_policy: policy,
      },
      why: `pairing mismatch: ${pairing.paired_count} of ${pairing.expected_pairs} samples paired with the baseline by ${pairing.mode} (ratio ${parts.paired_ratio} < min_paired_ratio ${params.min_paired_ratio}); policy ${policy}`,
    };
  }
  if (s.decision === 'accept_h1_no_regression' || s.decision === 'accept_h0_regression') {
    const pass = s.decision === 'accept_h1_no_regression';
    const verdict = pass ? 'no regression' : 'regression';
    const trace = { ...common, ...parts, decision_passed: pass, decision: s.decision };
    if (s.decided_by === 'max_pairs_sign') {
      return {
        trace: { ...trace, reason: 'max_pairs_sign' },
        why: `SPRT ${verdict} at max_pairs ${params.max_pairs} (truncated, at_max_pairs: sign): LLR ${round(s.llr, 4)} ${pass ? '>= 0' : '< 0'} ${between}, ${used} ${stats}`,
      };
    }
    const bound = pass ? `>= A=${round(s.look_upper, 4)}` : `<= B=${round(s.look_lower, 4)}`;
    const at = s.decided_at ? ` at wave ${s.decided_at.wave}` : '';
    return {
      trace: { ...trace, reason: pass ? 'crossed_upper' : 'crossed_lower' },
      why: `SPRT ${verdict}: LLR ${round(s.llr, 4)} ${bound}${at}, ${used} ${stats}`,
    };
  }
  // Not decided: max_pairs reached, or the plan ran out first.
  const why =
    s.n < params.min_pairs
      ? 'insufficient_pairs'
      : s.decision === 'inconclusive'
        ? 'max_pairs_reached'
        : 'plan_exhausted';
  const text =
    why === 'insufficient_pairs'
      ? `only ${s.n} pairs, min_pairs is ${params.min_pairs}`
      : why === 'max_pairs_reached'
        ? `max_pairs ${params.max_pairs} reached with LLR ${round(s.llr, 4)} ${between}`
        : `plan exhausted with LLR ${round(s.llr, 4)} ${between}`;
  const policy = params.inconclusive;
  return {
    trace: {
      ...common,
      ...parts,
      decision_passed: policy === 'pass',
      decision: 'inconclusive',
      reason: why,
      inconclusive_policy: policy,
    },
    why: `SPRT inconclusive: ${text}, ${used}; inconclusive policy ${policy}`,
  };
}

/**
 * The gate's verdict: `passed = threshold_passed AND decision_passed`, as in the original. `track` is null
 * when there is no baseline.
 */
export function evaluateSprtGate(
  gate: GateConfig,
  index: number,
  run: MeasuredRun,
  track: SprtTrack | null,
  ctx: SequentialContext,
  plannedIds: ReadonlySet<string>,
  baselineSeries: readonly SeriesPoint[] | null,
): GateResult {
  const threshold = evaluateThresholdGate(gate, index, run);
  const params = track?.params ?? sprtParamsSchema.parse(gate.params);
  const common = commonTrace(params, ctx, threshold.passed);
  let decided: SprtDecisionText;
  if (track === null || baselineSeries === null) {
    const policy = baselineMissingPolicy(params);
    const bootstrap = policy === 'skip';
    decided = {
      trace: {
        ...common,
        decision_passed: policyPasses(policy),
        decision: 'baseline_missing',
        reason: bootstrap ? 'bootstrap' : 'baseline_missing',
        baseline_missing_policy: policy,
        require_baseline: params.require_baseline,
      },
      // A bootstrap run passes without a test: the summary must say it judged nothing, not "no regression".
      why: bootstrap
        ? 'no baseline: bootstrap run, not evaluated (baseline_missing policy skip; the next run pairs with this one)'
        : `no baseline: baseline_missing policy ${policy}`,
    };
  } else {
    const pairsPlanned = baselineSeries.filter((p) => plannedIds.has(p.key)).length;
    decided = decideTested(track, common, testTrace(track, params, pairsPlanned));
  }
  // An early-stopped run says on how many of the planned samples the threshold part was computed.
  const of = ctx.exhausted ? '' : `, ${threshold.sample_count} of ${ctx.planned} planned samples`;
  return {
    ...threshold,
    passed: threshold.passed && decided.trace.decision_passed,
    reason: `${decided.why}; threshold: ${threshold.reason}${of}`,
    detail: decided.trace,
  };
}
