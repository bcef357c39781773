import { describe, expect, it } from 'vitest';
import { alertOf } from '../../../src/notify/alert.js';
import type { RunStatus } from '../../../src/schema/run.js';

const history = (...statuses: RunStatus[]) =>
  statuses.map((status, i) => ({ run_id: `r${i}`, status, timestamp_utc: `2026-01-0${i + 1}T00:00:00Z` }));
const stateOf = (...statuses: RunStatus[]) => {
  const d = alertOf(history(...statuses));
  return d && [d.state, d.changed, d.latest.run_id, d.previous?.run_id ?? null];
};

describe('alertOf', () => {
  it('names the four states from the last two runs', () => {
    expect(stateOf('PASS', 'FAIL')).toEqual(['new_failure', true, 'r1', 'r0']);
    expect(stateOf('FAIL', 'PASS')).toEqual(['recovered', true, 'r1', 'r0']);
    expect(stateOf('PASS', 'FAIL', 'FAIL')).toEqual(['still_failing', false, 'r2', 'r1']);
    expect(stateOf('FAIL', 'PASS', 'PASS')).toEqual(['still_passing', false, 'r2', 'r1']);
  });

  it('counts ERROR as failing and passes over INTERRUPTED runs', () => {
    expect(stateOf('PASS', 'ERROR')).toEqual(['new_failure', true, 'r1', 'r0']);
    expect(stateOf('ERROR', 'FAIL')).toEqual(['still_failing', false, 'r1', 'r0']);
    expect(stateOf('FAIL', 'INTERRUPTED', 'PASS')).toEqual(['recovered', true, 'r2', 'r0']);
    expect(stateOf('PASS', 'FAIL', 'INTERRUPTED')).toEqual(['new_failure', true, 'r1', 'r0']);
  });

  it('treats a first run as a change only when it did not pass, and no run as nothing to say', () => {
    expect(stateOf('PASS')).toEqual(['still_passing', false, 'r0', null]);
    expect(stateOf('FAIL')).toEqual(['new_failure', true, 'r0', null]);
    expect(alertOf([])).toBeNull();
    expect(alertOf(history('INTERRUPTED'))).toBeNull();
  });
});
