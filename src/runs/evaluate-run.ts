import { applyWindow, evaluateRegression, evaluateThresholdGate } from '../gates/evaluate.js';
import type { GateConfig } from '../suite/schema.js';
import type { GateRecord, MeasuredRun } from './measured.js';
import type { GateResult, RegressionResult } from './types.js';

export interface RunVerdict {
  gates: GateResult[];
  regressions: RegressionResult[];
  gateFailed: boolean;
  regressionFailed: boolean;
}

/**
 * Every gate's verdict for a measured run: thresholds (with windows), then regressions against the
 * baseline. `history[i]` lists gate i's past verdicts, newest first.
 */
export function evaluateRun(
  gates: readonly GateConfig[],
  run: MeasuredRun,
  baseline: MeasuredRun | null,
  history: readonly GateRecord[][],
): RunVerdict {
  const results = gates.map((gate, i) =>
    applyWindow(evaluateThresholdGate(gate, i, run), gate, history[i] ?? []),
  );
  const regressions: RegressionResult[] = [];
  if (baseline) {
    gates.forEach((gate, i) => {
      // Statistical gates judge regression themselves; a naive mean comparison must not override them.
      if (gate.method !== 'threshold') return;
      const r = evaluateRegression(gate, i, run, baseline);
      if (r) regressions.push(r);
    });
  }
  return {
    gates: results,
    regressions,
    gateFailed: results.some((g) => !g.passed),
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
