import { setMaxListeners } from 'node:events';
import { describeError } from '../errors.js';
import { setTimer } from '../platform/timers.js';
import type { SampleRecord } from '../schema/run.js';
import type { RunStore } from '../store/types.js';
import { type DeadlineState, recordSampleTime, shouldStop, startDeadline } from './deadline.js';
import type { SampleExecutor } from './executor.js';
import type { PreparedRun } from './prepare.js';
import { evaluateWave, splitWaves } from './sequential.js';

/** What the wave loop reports as it goes (the engine forwards these to the reporters). */
export interface WaveHooks {
  onSample(sample: SampleRecord, done: number, total: number): Promise<void>;
  onWave(wave: number, generated: number, stopped: boolean): Promise<void>;
}

export interface WaveOutcome {
  /** Every sample attempted, reused ones first (failed ones included). */
  samples: SampleRecord[];
  deadline: DeadlineState | null;
  /** Seconds of this session when generation stopped. */
  elapsedS: number;
  /** A failure of the loop itself (not of a sample): the run becomes ERROR, with the samples it has. */
  error: string | null;
}

/** The part of a prepared run the wave loop reads (and `seq`, which it advances). */
export type WaveRun = Pick<PreparedRun, 'opts' | 'key' | 'planned' | 'order' | 'reused' | 'seq'>;

/**
 * Generates the plan in waves: bounded concurrency inside a wave (the executor's), a decision at every wave
 * boundary (src/runs/sequential.ts), and the deadline's predictive abort before each sample starts. Each
 * finished sample is appended to the run's sample log at once, so a crash loses none of them.
 */
export async function executeWaves(
  prep: WaveRun,
  executor: SampleExecutor,
  store: RunStore,
  hooks: WaveHooks,
): Promise<WaveOutcome> {
  const { opts, order, seq } = prep;
  const sessionStart = performance.now();
  const elapsed = (): number => (performance.now() - sessionStart) / 1000;
  const deadline = opts.deadlineS === undefined ? null : startDeadline(opts.deadlineS, opts.workers);
  // Reaching the budget aborts the running samples too; predicting a miss only stops starting new ones.
  const budgetOut = new AbortController();
  const budgetTimer =
    opts.deadlineS === undefined
      ? undefined
      : setTimer(opts.deadlineS, () => budgetOut.abort(new Error('deadline reached')));
  const signal = AbortSignal.any([opts.signal, budgetOut.signal]);
  // Every running sample listens on the run's signals (a few listeners each): with many workers that is past
  // Node's default of 10 per signal, which would print a MaxListenersExceededWarning for no leak.
  setMaxListeners(10 + opts.workers * 4, opts.signal, budgetOut.signal, signal);
  let finished = 0;
  const deadlineHit = (): boolean => {
    if (deadline === null) return false;
    if (budgetOut.signal.aborted) shouldStop(deadline, Number.POSITIVE_INFINITY, order.length - finished);
    return shouldStop(deadline, elapsed(), order.length - finished);
  };
  const samples: SampleRecord[] = [...prep.reused];
  let done = prep.reused.length;
  const runOne = async (p: (typeof order)[number]): Promise<SampleRecord | null> => {
    let t0 = 0;
    const row = await executor.run(p, {
      signal,
      // The deadline is asked first, so that a budget that ran out is recorded as reached.
      start: () => {
        t0 = performance.now();
        return !deadlineHit() && !signal.aborted;
      },
      end: (ok) => {
        if (!ok) return;
        finished++;
        if (deadline !== null) recordSampleTime(deadline, (performance.now() - t0) / 1000);
      },
    });
    if (row === null) return null;
    await store.appendSample(prep.key, row);
    done++;
    await hooks.onSample(row, done, prep.planned.length);
    return row;
  };
  let error: string | null = null;
  try {
    const waves = splitWaves(order, seq.waveSize);
    for (let k = 0; k < waves.length && !signal.aborted && !deadlineHit(); k++) {
      // Every sample of the wave ends before a failure stops the loop: none is stored unrecorded.
      const settled = await Promise.allSettled(waves[k]!.map(runOne));
      for (const r of settled) if (r.status === 'fulfilled' && r.value !== null) samples.push(r.value);
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      const stopped = evaluateWave(seq, opts.gates, waves, k, samples);
      await hooks.onWave(seq.waves, samples.length, stopped);
      if (stopped) break;
    }
  } catch (e) {
    error = `run failed: ${describeError(e)}`;
  } finally {
    clearTimeout(budgetTimer);
  }
  // A budget that ran out while samples were running stopped them: say so, even if nothing started after.
  if (budgetOut.signal.aborted) deadlineHit();
  return { samples, deadline, elapsedS: elapsed(), error };
}
