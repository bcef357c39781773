import type { IndexEntry } from '../schema/files.js';

/**
 * `temporalci alert`: what a model's history says happened with its latest run, from the index alone. The
 * original read a state file that only webhook deliveries wrote, so without a webhook it called a failing
 * model "passing"; here the state is always derived from the last two runs with a verdict.
 */

export type AlertState = 'new_failure' | 'recovered' | 'still_failing' | 'still_passing';

export const ALERT_WORDS: Record<AlertState, string> = {
  new_failure: 'new failure',
  recovered: 'recovered',
  still_failing: 'still failing',
  still_passing: 'still passing',
};

type Entry = Pick<IndexEntry, 'run_id' | 'status' | 'timestamp_utc'>;

export interface AlertDecision {
  state: AlertState;
  /** True for a new failure or a recovery: the states worth a notification. */
  changed: boolean;
  latest: Entry;
  /** The run before it with a verdict; null when the latest is the model's first. */
  previous: Entry | null;
}

/**
 * The state of the newest run against the one before it, oldest-first entries in. An INTERRUPTED run is
 * partial and has no verdict, so it is passed over; ERROR counts as failing (no passing verdict). A first
 * run is a new failure unless it passed, as a `notify_on: change` webhook treats it. Null for no run.
 */
export function alertOf(history: readonly Entry[]): AlertDecision | null {
  const judged = history.filter((e) => e.status !== 'INTERRUPTED');
  const latest = judged[judged.length - 1];
  if (!latest) return null;
  const previous = judged[judged.length - 2] ?? null;
  const failing = latest.status !== 'PASS';
  const wasFailing = previous !== null && previous.status !== 'PASS';
  const state: AlertState = failing
    ? wasFailing
      ? 'still_failing'
      : 'new_failure'
    : wasFailing
      ? 'recovered'
      : 'still_passing';
  return { state, changed: state === 'new_failure' || state === 'recovered', latest, previous };
}
