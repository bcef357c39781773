import { describe, expect, it } from 'vitest';
import { type SummaryModelInput, summarizeSuite } from '../../../src/report/suite-summary.js';

const gate = (metric: string, op: '>=' | '<=', value: number, actual: number | null, passed: boolean) => ({
  metric,
  op,
  value,
  aggregate: 'mean' as const,
  method: 'threshold' as const,
  actual,
  passed,
});
const latest = (status: 'PASS' | 'FAIL' | 'ERROR') => ({ run_id: `r-${status}`, status, timestamp_utc: 't' });

describe('summarizeSuite', () => {
  it('makes one column per gate across models and puts each model’s measured value and verdict in it', () => {
    const models: SummaryModelInput[] = [
      { name: 'a', latest: latest('PASS'), gates: [gate('s.score', '>=', 0.9, 0.95, true)] },
      {
        name: 'b',
        latest: latest('FAIL'),
        gates: [gate('s.score', '>=', 0.9, 0.8, false), gate('t.mean', '<=', 10, 3, true)],
      },
    ];
    const s = summarizeSuite(models);
    expect(s.columns.map((c) => c.label)).toEqual(['s.score >= 0.9', 't.mean <= 10']);
    expect(s.rows.map((r) => [r.model, r.status, r.cells])).toEqual([
      ['a', 'PASS', [{ actual: 0.95, passed: true }, null]],
      [
        'b',
        'FAIL',
        [
          { actual: 0.8, passed: false },
          { actual: 3, passed: true },
        ],
      ],
    ]);
    expect(s.exit_code).toBe(2);
  });

  it('tells a gate on another aggregate or target apart from the same metric’s other gates', () => {
    const p10 = { ...gate('s.score', '>=', 0.9, 0.7, false), aggregate: 'p10' as const };
    const s = summarizeSuite([
      { name: 'a', latest: latest('FAIL'), gates: [gate('s.score', '>=', 0.9, 0.95, true), p10] },
      { name: 'b', latest: latest('PASS'), gates: [gate('s.score', '>=', 0.8, 0.95, true)] },
    ]);
    expect(s.columns.map((c) => c.label)).toEqual([
      's.score >= 0.9',
      's.score >= 0.9 (p10)',
      's.score >= 0.8',
    ]);
    expect(s.rows[1]!.cells).toEqual([null, null, { actual: 0.95, passed: true }]);
  });

  it('exits 1 for a model without runs or with an ERROR run, and marks an unreadable record', () => {
    const none = summarizeSuite([
      { name: 'a', latest: latest('PASS'), gates: [] },
      { name: 'b', latest: null, gates: null },
    ]);
    expect(none.rows[1]).toMatchObject({ status: 'NO RUNS', run_id: null, record_read: true });
    expect(none.exit_code).toBe(1);
    const error = summarizeSuite([{ name: 'a', latest: latest('ERROR'), gates: null }]);
    expect(error.exit_code).toBe(1);
    expect(error.rows[0]!.record_read).toBe(false);
    expect(summarizeSuite([{ name: 'a', latest: latest('PASS'), gates: [] }]).exit_code).toBe(0);
    expect(summarizeSuite([]).exit_code).toBe(1);
  });
});
