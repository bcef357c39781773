import type { JudgeContext } from '../gates/draft.js';
import { applyWindow } from '../gates/evaluate.js';
import { holmAdjust } from '../gates/paired-test.js';
import { gateMethod, isSequentialGate } from '../gates/registry.js';
import {
  advanceSprtTrack,
  pairableCurrent,
  type SequentialContext,
  type SprtTrack,
  seriesOf,
  startSprtTrack,
} from '../gates/sprt-gate.js';
import type { GateRecord, MeasuredRun } from '../schema/measured.js';
import type { GateResult, RegressionResult } from '../schema/run.js';
import type { GateConfig } from '../schema/suite.js';

export interface RunVerdict {
  gates: GateResult[];
  regressions: RegressionResult[];
  gateFailed: boolean;
  regressionFailed: boolean;
}

/** What the sequential engine knows when the gates are judged. */
export interface StatisticalContext {
  /** Gate index → its SPRT progress through the waves (only when there is a baseline). */
  sprt: ReadonlyMap<number, SprtTrack>;
  sequential: SequentialContext;
  plannedIds: ReadonlySet<string>;
  multipleComparisons: 'none' | 'holm';
}

/**
 * Without a sequential engine (a caller judging a finished run), the whole run is one wave: the SPRT then
 * decides on every sample at once.
 */
function oneWaveContext(
  gates: readonly GateConfig[],
  run: MeasuredRun,
  baseline: MeasuredRun | null,
): StatisticalContext {
  const sprt = new Map<number, SprtTrack>();
  if (baseline) {
    gates.forEach((g, i) => {
      if (!isSequentialGate(g)) return;
      sprt.set(
        i,
        advanceSprtTrack(
          startSprtTrack(g),
          g,
          pairableCurrent(seriesOf(run, g.metric), baseline),
          seriesOf(baseline, g.metric),
        ),
      );
    });
  }
  const ids = new Set(run.samples.map((s) => s.sample_id));
  return {
    sprt,
    sequential: { planned: run.samples.length, generated: run.samples.length, exhausted: true },
    plannedIds: ids,
    multipleComparisons: 'none',
  };
}

/**
 * Each gate's verdict from its method, with the p-values of the fixed-sample tests adjusted together when
 * the suite asks for Holm (a method without a p-value is final as drafted).
 */
function judgeGates(
  gates: readonly GateConfig[],
  judge: JudgeContext,
  multipleComparisons: 'none' | 'holm',
): GateResult[] {
  const drafts = gates.map((gate, i) => gateMethod(gate).evaluate(gate, i, judge));
  const tested = drafts.filter((d) => d.p !== null);
  const adjusted = multipleComparisons === 'holm' ? holmAdjust(tested.map((d) => d.p as number)) : null;
  return drafts.map((d) => {
    const k = tested.indexOf(d);
    const p = adjusted && k >= 0 ? adjusted[k]! : d.p;
    return d.finish(p, adjusted ? 'holm' : 'none');
  });
}

/**
 * The naive regressions against the baseline, of the methods that have such a check (threshold). On an
 * early-stopped run the naive mean is compared with the baseline's mean over the same samples; a subset
 * mean against a full-plan mean would differ by prompt mix alone.
 */
function judgeRegressions(
  gates: readonly GateConfig[],
  run: MeasuredRun,
  baseline: MeasuredRun,
  seq: SequentialContext,
): RegressionResult[] {
  const reached = new Set(run.samples.map((s) => s.sample_id));
  const comparable = seq.exhausted
    ? baseline
    : { ...baseline, samples: baseline.samples.filter((s) => reached.has(s.sample_id)) };
  return gates.flatMap((gate, i) => {
    const r = gateMethod(gate).regression?.(gate, i, run, comparable);
    return r ? [r] : [];
  });
}

/**
 * Every gate's verdict for a measured run: thresholds, SPRT and paired tests (Holm-adjusted together when
 * asked), windows, then regressions of threshold gates against the baseline. `history[i]` lists gate i's
 * past verdicts, newest first.
 */
export function evaluateRun(
  gates: readonly GateConfig[],
  run: MeasuredRun,
  baseline: MeasuredRun | null,
  history: readonly GateRecord[][],
  context?: StatisticalContext,
): RunVerdict {
  const ctx = context ?? oneWaveContext(gates, run, baseline);
  const judge: JudgeContext = {
    run,
    baseline,
    sprt: ctx.sprt,
    sequential: ctx.sequential,
    plannedIds: ctx.plannedIds,
  };
  const results = judgeGates(gates, judge, ctx.multipleComparisons);
  const final = gates.map((gate, i) => applyWindow(results[i]!, gate, history[i] ?? []));
  const regressions = baseline ? judgeRegressions(gates, run, baseline, ctx.sequential) : [];
  return {
    gates: final,
    regressions,
    gateFailed: final.some((g) => !g.passed),
    regressionFailed: regressions.some((r) => r.regressed),
  };
}

/** Past verdicts of each gate (same metric and op), newest first, from earlier runs' gate lists. */
export function gateHistory(
  gates: readonly GateConfig[],
  pastRuns: readonly { gates: GateRecord[] }[],
): GateRecord[][] {
  return gates.map((gate) =>
    pastRuns
      .map((run) => run.gates.find((g) => g.metric === gate.metric && g.op === gate.op))
      .filter((g): g is GateRecord => g !== undefined),
  );
}
