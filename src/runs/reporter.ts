import { describeError } from '../errors.js';
import type { RunRecord, RunStatus, SampleRecord } from '../schema/run.js';
import type { RunKey, Warn } from '../store/types.js';

/**
 * What the engine tells the outside while a suite runs. Every output (report.html, JUnit, the GitHub step
 * summary and annotations, webhooks, the progress bar, a viewer's live feed) is a subscriber; the engine
 * knows none of them. Every hook is optional. A hook that throws never changes a verdict: the engine turns
 * the failure into a warning (see `notifyReporters`).
 */
export interface RunStartInfo {
  model: string;
  run: RunKey;
  /** Where the run is kept, in words (the run folder for a local store). */
  location: string;
  planned: number;
  /** Samples reused from earlier sessions of a resumed run (already done). */
  reused: number;
}

export interface SampleEndInfo {
  model: string;
  run: RunKey;
  done: number;
  total: number;
  sample: SampleRecord;
}

export interface WaveEndInfo {
  model: string;
  run: RunKey;
  wave: number;
  generated: number;
  planned: number;
  /** Every sequential gate decided: generation stops after this wave. */
  stopped: boolean;
}

/** Why a run ended, from its status (as Vitest's `onTestRunEnd` reason). */
export type RunEndReason = 'passed' | 'failed' | 'errored' | 'interrupted';

export function runEndReason(status: RunStatus): RunEndReason {
  const reasons: Record<RunStatus, RunEndReason> = {
    PASS: 'passed',
    FAIL: 'failed',
    ERROR: 'errored',
    INTERRUPTED: 'interrupted',
  };
  return reasons[status];
}

/** One model's finished run, as the engine returns it. */
export interface ModelRunResult {
  model: string;
  run: RunKey;
  /** Where the run is kept (the run folder for a local store): printed, and what `run --resume` takes. */
  runDir: string;
  record: RunRecord;
}

export interface RunEndInfo {
  result: ModelRunResult;
  reason: RunEndReason;
  /** Every run of this invocation so far, this one included (JUnit lists them all). */
  all: readonly ModelRunResult[];
}

export interface Reporter {
  readonly name: string;
  onRunStart?(info: RunStartInfo): void | Promise<void>;
  onSampleEnd?(info: SampleEndInfo): void | Promise<void>;
  onWaveEnd?(info: WaveEndInfo): void | Promise<void>;
  onRunEnd?(info: RunEndInfo): void | Promise<void>;
  /** After the last model (close a progress bar, flush a file). */
  onSuiteEnd?(results: readonly ModelRunResult[]): void | Promise<void>;
}

type Hook = 'onRunStart' | 'onSampleEnd' | 'onWaveEnd' | 'onRunEnd' | 'onSuiteEnd';
type HookArg<H extends Hook> = Parameters<NonNullable<Reporter[H]>>[0];

/** Calls one hook on every reporter, in order; a failing reporter becomes a warning naming it. */
export async function notifyReporters<H extends Hook>(
  reporters: readonly Reporter[],
  hook: H,
  arg: HookArg<H>,
  warn: Warn,
): Promise<void> {
  for (const r of reporters) {
    const fn = r[hook] as ((a: HookArg<H>) => void | Promise<void>) | undefined;
    if (fn === undefined) continue;
    try {
      await fn.call(r, arg);
    } catch (e) {
      warn(`${r.name}: ${describeError(e)}`);
    }
  }
}
