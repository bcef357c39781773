import { applyWindow, evaluateRegression, evaluateThresholdGate } from '../gates/evaluate.js';
import { draftPairedGate } from '../gates/paired-gate.js';
import { holmAdjust } from '../gates/paired-test.js';
import type { SeriesPoint } from '../gates/pairing.js';
import {
  advanceSprtTrack,
  evaluateSprtGate,
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
      if (g.method !== 'sprt_regression') return;
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

/** A threshold gate on an early-stopped run says on how many of the planned samples it was computed. */
function noteSubset(result: GateResult, seq: SequentialContext): GateResult {
  if (seq.exhausted) return result;
  return { ...result, reason: `${result.reason}, ${result.sample_count} of ${seq.planned} planned samples` };
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
  const results: (GateResult | undefined)[] = new Array(gates.length);
  const drafts: { i: number; draft: ReturnType<typeof draftPairedGate> }[] = [];
  gates.forEach((gate, i) => {
    if (gate.method === 'sprt_regression') {
      const base: SeriesPoint[] | null = baseline ? seriesOf(baseline, gate.metric) : null;
      results[i] = evaluateSprtGate(
        gate,
        i,
        run,
        ctx.sprt.get(i) ?? null,
        ctx.sequential,
        ctx.plannedIds,
        base,
      );
    } else if (gate.method === 'paired_test') {
      drafts.push({ i, draft: draftPairedGate(gate, i, run, baseline) });
    } else {
      results[i] = noteSubset(evaluateThresholdGate(gate, i, run), ctx.sequential);
    }
  });
  const tested = drafts.filter((d) => d.draft.p !== null);
  const adjusted =
    ctx.multipleComparisons === 'holm' ? holmAdjust(tested.map((d) => d.draft.p as number)) : null;
  for (const d of drafts) {
    const k = tested.indexOf(d);
    const p = adjusted && k >= 0 ? adjusted[k]! : d.draft.p;
    results[d.i] = d.draft.finish(p, adjusted ? 'holm' : 'none');
  }
  const final = gates.map((gate, i) => applyWindow(results[i] as GateResult, gate, history[i] ?? []));
  const regressions: RegressionResult[] = [];
  if (baseline) {
    // On an early-stopped run the naive mean is compared with the baseline's mean over the same samples;
    // a subset mean against a full-plan mean would differ by prompt mix alone.
    const reached = new Set(run.samples.map((s) => s.sample_id));
    const comparable = ctx.sequential.exhausted
      ? baseline
      : { ...baseline, samples: baseline.samples.filter((s) => reached.has(s.sample_id)) };
    gates.forEach((gate, i) => {
      // Statistical gates judge regression themselves; a naive mean comparison must not override them.
      if (gate.method !== 'threshold') return;
      const r = evaluateRegression(gate, i, run, comparable);
      if (r) regressions.push(r);
    });
  }
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
