import type { MeasuredRun } from '../schema/measured.js';
import type { GateResult } from '../schema/run.js';
import type { SequentialContext, SprtTrack } from './sprt-gate.js';

/** What every gate method's evaluation reads: the measured run, its baseline and where generation stood. */
export interface JudgeContext {
  run: MeasuredRun;
  baseline: MeasuredRun | null;
  /** Gate index → its SPRT progress through the waves (only sequential gates, only with a baseline). */
  sprt: ReadonlyMap<number, SprtTrack>;
  sequential: SequentialContext;
  plannedIds: ReadonlySet<string>;
}

/**
 * A gate's verdict before multiple-comparison adjustment. `p` is the p-value of a fixed-sample test, or null
 * when the method tests nothing that can be adjusted (then `finish` ignores its arguments).
 */
export interface GateDraft {
  p: number | null;
  /** The verdict given the (possibly adjusted) p-value. */
  finish(adjustedP: number | null, correction: 'none' | 'holm'): GateResult;
}

/** A draft whose verdict is already final: nothing to adjust. */
export function settled(result: GateResult): GateDraft {
  return { p: null, finish: () => result };
}
