import { roundTo } from '../platform/format.js';
import type { DeadlineRecord } from '../schema/run.js';
import { percentile } from '../stats/aggregate.js';

export type DeadlinePolicy = DeadlineRecord['policy'];

/**
 * A run's time budget with predictive abort (seed 002: do not start work that cannot finish in time).
 * Pure bookkeeping: the caller supplies the clock, reports every finished sample's wall time and asks
 * before starting the next sample. The budget is per session: a resumed run gets a fresh one, since each
 * invocation is its own CI job with its own time limit.
 */
export interface DeadlineState {
  budgetS: number;
  workers: number;
  /** Wall time of every sample finished in this session, seconds. */
  durations: number[];
  trigger: DeadlineRecord['trigger'];
  reason: string | null;
}

export function startDeadline(budgetS: number, workers: number): DeadlineState {
  return { budgetS, workers: Math.max(1, workers), durations: [], trigger: null, reason: null };
}

export function recordSampleTime(state: DeadlineState, seconds: number): void {
  state.durations.push(seconds);
}

function p90SampleTime(state: DeadlineState): number | null {
  return state.durations.length === 0 ? null : percentile(state.durations, 0.9);
}

/**
 * Whether to stop now. `remaining` counts the samples not yet finished, including the ones running: with
 * `workers` in parallel they need about ceil(remaining / workers) rounds of the p90 sample time. The p90
 * (not the mean) because one slow prompt in ten is normal for video models and the budget must hold for
 * it. Once true, it stays true (the trigger and reason are kept for run.json).
 */
export function shouldStop(state: DeadlineState, elapsedS: number, remaining: number): boolean {
  if (state.trigger !== null) return true;
  if (remaining <= 0) return false;
  const left = state.budgetS - elapsedS;
  if (left <= 0) {
    state.trigger = 'reached';
    state.reason = `the ${fmt(state.budgetS)} s deadline was reached with ${remaining} sample(s) not finished`;
    return true;
  }
  const p90 = p90SampleTime(state);
  if (p90 === null) return false;
  const predicted = Math.ceil(remaining / state.workers) * p90;
  if (predicted > left) {
    state.trigger = 'predicted';
    state.reason =
      `predicted to miss the ${fmt(state.budgetS)} s deadline: ${remaining} sample(s) left × p90 ${fmt(p90)} s` +
      `${state.workers > 1 ? ` / ${state.workers} workers` : ''} ≈ ${fmt(predicted)} s > ${fmt(left)} s remaining`;
    return true;
  }
  return false;
}

export function deadlineRecord(
  state: DeadlineState,
  policy: DeadlinePolicy,
  elapsedS: number,
): DeadlineRecord {
  return {
    deadline_s: state.budgetS,
    policy,
    exceeded: state.trigger !== null,
    trigger: state.trigger,
    reason: state.reason,
    elapsed_s: roundTo(elapsedS, 3),
    p90_sample_s: p90SampleTime(state),
  };
}

function fmt(n: number): string {
  return String(roundTo(n, 2));
}
