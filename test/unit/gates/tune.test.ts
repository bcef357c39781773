import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareValues } from '../../../src/gates/compare.js';
import { safeRound, suggestGates, type TuneRun } from '../../../src/gates/tune.js';

type Op = '>=' | '>' | '<=' | '<';
const gate = (op: Op | '==', value: number, method: 'threshold' | 'sprt_regression' = 'threshold') => ({
  metric: 'm.score',
  op,
  value,
  aggregate: 'mean' as const,
  method,
});
const run = (i: number, status: TuneRun['status'], actual: number | null): TuneRun => ({
  run_id: `r${String(i).padStart(3, '0')}`,
  status,
  gates: [{ ...gate('>=', 0), actual }],
});
const passing = (values: readonly number[]) => values.map((v, i) => run(i, 'PASS', v));
const opts = { quantile: 0.1, minRuns: 3 };

function suggested(op: Op, target: number, runs: TuneRun[], o = opts) {
  const [s] = suggestGates([gate(op, target)], runs, o);
  if (s?.kind !== 'suggested') throw new Error(`no suggestion: ${JSON.stringify(s)}`);
  return s;
}

describe('suggestGates', () => {
  it('takes the low quantile of passing runs for a >= gate and the high one for a <= gate', () => {
    // 11 values 0.90 … 1.00: the 10 % quantile is 0.91, the 90 % one 0.99 (linear interpolation).
    // The latest passing run measured 0.95, inside the range, so the guard leaves both quantiles alone.
    const values = Array.from({ length: 11 }, (_, i) => Math.round((0.9 + i / 100) * 100) / 100);
    const runs = passing([...values.filter((v) => v !== 0.95), 0.95]);
    const hi = suggested('>=', 0.8, runs);
    expect(hi.quantile_value).toBeCloseTo(0.91, 12);
    expect(hi.suggested).toBe(0.91);
    expect(hi).toMatchObject({ based_on: 11, min: 0.9, max: 1, change: 'tighter' });
    const lo = suggested('<=', 1.2, runs);
    expect(lo.suggested).toBe(0.99);
    expect(lo.change).toBe('tighter');
    // A target above the quantile is loosened; one at it stays.
    expect(suggested('>=', 0.95, runs).change).toBe('looser');
    expect(suggested('<=', 0.99, runs).change).toBe('same');
  });

  it('never suggests a value the latest passing run would fail', () => {
    // The latest passing run is the lowest: the 10 % quantile lies above it, so it is moved down to it.
    const runs = passing([0.99, 0.98, 0.97, 0.96, 0.5]);
    const s = suggested('>=', 0.4, runs);
    expect(s.quantile_value).toBeGreaterThan(0.5);
    expect(s.suggested).toBe(0.5);
    expect(s.last_pass).toEqual({ run_id: 'r004', value: 0.5 });
    // A strict op at exactly the latest value steps one unit past it.
    expect(suggested('>', 0.4, runs).suggested).toBe(0.4999);
    expect(suggested('<', 9, passing([1, 2, 3, 4, 5])).suggested).toBe(5.001);
  });

  it('rests only on PASS runs with a value, and says so when there are too few', () => {
    const runs = [
      run(0, 'PASS', 0.9),
      run(1, 'FAIL', 0.1),
      run(2, 'ERROR', null),
      run(3, 'PASS', null),
      run(4, 'PASS', 0.95),
      { run_id: 'r005', status: 'PASS' as const, gates: null },
    ];
    const [s] = suggestGates([gate('>=', 0.8)], runs, opts);
    expect(s).toEqual({
      gate: gate('>=', 0.8),
      kind: 'skipped',
      reason: '2 passing run(s) measured it; at least 3 are needed',
      based_on: 2,
    });
    // The FAIL run's 0.1 never drags the suggestion down.
    const more = suggested('>=', 0.8, [...runs, run(6, 'PASS', 0.92)]);
    expect(more.based_on).toBe(3);
    expect(more.min).toBe(0.9);
  });

  it('does not tune equality or statistical gates', () => {
    const runs = passing([1, 2, 3]);
    const [eq, sprt] = suggestGates([gate('==', 2), gate('>=', 0, 'sprt_regression')], runs, opts);
    expect(eq).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('equality gate') });
    expect(sprt).toMatchObject({ kind: 'skipped', reason: expect.stringContaining('sprt_regression') });
  });

  it('keeps the latest passing run passing for any history, quantile and op', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 40 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.constantFrom<Op>('>=', '>', '<=', '<'),
        (values, quantile, op) => {
          const runs = passing(values);
          const s = suggested(op, 0, runs, { quantile, minRuns: 2 });
          expect(compareValues(values[values.length - 1]!, op, s.suggested)).toBe(true);
        },
      ),
    );
  });
});

describe('safeRound', () => {
  it('rounds to four significant digits away from the latest value', () => {
    expect(safeRound(0.987654, '>=', 0.99)).toBe(0.9876);
    expect(safeRound(0.987654, '<=', 0.98)).toBe(0.9877);
    expect(safeRound(1234.5, '<=', 1000)).toBe(1235);
    expect(safeRound(0, '>=', 0)).toBe(0);
    expect(safeRound(0, '>', 0)).toBe(-0.0001);
    expect(safeRound(0, '>', 5e-324)).toBe(0);
  });
});
