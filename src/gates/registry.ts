import type { z } from 'zod';
import type { MeasuredRun } from '../schema/measured.js';
import type { GateResult, RegressionResult } from '../schema/run.js';
import type { GateConfig, GateMethod } from '../schema/suite.js';
import { type GateDraft, type JudgeContext, settled } from './draft.js';
import { applyCoverage, evaluateThresholdGate } from './evaluate.js';
import { draftPairedGate } from './paired-gate.js';
import { pairedTestParamsSchema } from './paired-test-params.js';
import { evaluateStatisticalRegression } from './regression.js';
import { type GateRule, statisticalNeedsDirectionalOp, statisticalNeedsPerSample } from './rules.js';
import { evaluateSprtGate, type SequentialContext, seriesOf } from './sprt-gate.js';
import { sprtParamsSchema } from './sprt-params.js';
import { thresholdParamsSchema } from './threshold-params.js';

/**
 * Everything the rest of TemporalCI knows about a gate method, in one entry per method. Validation, the
 * sequential engine, the judge, calibration and the report ask this registry instead of comparing method
 * names, so a new method is one entry here (plus its own module), and the `Record<GateMethod, …>` type makes
 * the compiler reject a method without one.
 */
export interface GateMethodDefinition {
  /** One line for `temporalci list` and the README. */
  description: string;
  /** The method's `params:`, checked at validate time and parsed again (with defaults) at run time. */
  params: z.ZodType;
  /**
   * The method's own validation rules, run after the shared ones and its params, in this order. A method
   * that pairs per-sample values with the baseline says so here (statisticalNeedsPerSample).
   */
  rules: readonly GateRule[];
  /**
   * Decides during generation: after every wave the engine updates the method's sequential test (the SPRT
   * track) and may stop generating once every such gate has decided.
   */
  sequential: boolean;
  /**
   * The gate compares the measured value with its own `value:` (a level), not with the baseline, so a new
   * `value:` can be suggested from history (`temporalci tune-gates`).
   */
  level: boolean;
  /** Why this gate needs every planned sample (so generation cannot stop early), or null when a subset will do. */
  fullSetReason(gate: GateConfig, isPerSample: (metricPath: string) => boolean): string | null;
  /** The gate's verdict, before the run-wide multiple-comparison adjustment. */
  evaluate(gate: GateConfig, index: number, ctx: JudgeContext): GateDraft;
  /**
   * The naive aggregate-vs-baseline regression check. Absent for statistical methods: they judge regression
   * themselves, and a mean comparison must not override them.
   */
  regression?(
    gate: GateConfig,
    index: number,
    current: MeasuredRun,
    baseline: MeasuredRun,
  ): RegressionResult | undefined;
}

/** A threshold gate on an early-stopped run says on how many of the planned samples it was computed. */
function noteSubset(result: GateResult, seq: SequentialContext): GateResult {
  if (seq.exhausted) return result;
  return { ...result, reason: `${result.reason}, ${result.sample_count} of ${seq.planned} planned samples` };
}

/** The statistical methods' shared rules: they pair direction-normalised per-sample deltas. */
const PAIRED_RULES: readonly GateRule[] = [statisticalNeedsDirectionalOp, statisticalNeedsPerSample];

export const GATE_METHODS: Record<GateMethod, GateMethodDefinition> = {
  threshold: {
    description:
      'compare an aggregate (mean, min, max, p10, p50, p90) with a value; regress against the baseline beyond a tolerance',
    params: thresholdParamsSchema,
    rules: [],
    sequential: false,
    level: true,
    fullSetReason: (gate, isPerSample) =>
      isPerSample(gate.metric) ? null : `${gate.metric} is a run-level value (a count over all samples)`,
    evaluate: (gate, index, ctx) =>
      settled(
        noteSubset(applyCoverage(evaluateThresholdGate(gate, index, ctx.run), gate, ctx.run), ctx.sequential),
      ),
    regression: evaluateStatisticalRegression,
  },
  sprt_regression: {
    description:
      'sequential probability ratio test on per-sample deltas paired with the baseline by sample_id; generation stops once it decides',
    params: sprtParamsSchema,
    rules: PAIRED_RULES,
    sequential: true,
    level: false,
    fullSetReason: () => null,
    evaluate: (gate, index, ctx) =>
      settled(
        evaluateSprtGate(
          gate,
          index,
          ctx.run,
          ctx.sprt.get(index) ?? null,
          ctx.sequential,
          ctx.plannedIds,
          ctx.baseline ? seriesOf(ctx.baseline, gate.metric) : null,
        ),
      ),
  },
  paired_test: {
    description:
      'fixed-sample paired t or bootstrap test against the baseline; fails only when significant and beyond a magnitude floor',
    params: pairedTestParamsSchema,
    rules: PAIRED_RULES,
    sequential: false,
    level: false,
    fullSetReason: () => 'a paired_test gate is a fixed-sample test',
    evaluate: (gate, index, ctx) => draftPairedGate(gate, index, ctx.run, ctx.baseline),
  },
};

/** The registry entry of a gate's method. */
export function gateMethod(gate: Pick<GateConfig, 'method'>): GateMethodDefinition {
  return GATE_METHODS[gate.method];
}

/**
 * Does this gate decide during generation (today: sprt_regression)? Safe on records read from disk whose
 * method a newer version may have added: an unknown method is not sequential.
 */
export function isSequentialGate(gate: { method: string }): boolean {
  return Object.hasOwn(GATE_METHODS, gate.method) && GATE_METHODS[gate.method as GateMethod].sequential;
}

/** Does this gate compare with a level of its own (today: threshold)? An unknown method does not. */
export function isLevelGate(gate: { method: string }): boolean {
  return Object.hasOwn(GATE_METHODS, gate.method) && GATE_METHODS[gate.method as GateMethod].level;
}
