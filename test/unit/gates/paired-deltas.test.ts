import { describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { pairDeltas, type SeriesPoint, worstPairs } from '../../../src/gates/pairing.js';

const pt = (key: string, value: number, extra: Partial<SeriesPoint> = {}): SeriesPoint => ({
  key,
  value,
  ...extra,
});

describe('pairDeltas', () => {
  const current = [pt('c', 0.5, { prompt: 'cat', seed: 3 }), pt('a', 0.8), pt('x', 0.9), pt('b', 0.6)];
  const baseline = [pt('a', 0.7), pt('b', 0.65), pt('c', 0.55), pt('y', 0.1), pt('z', 0.2)];

  it('pairs by sample id in the current series order with higher-is-better deltas', () => {
    const r = pairDeltas(current, baseline, '>=', 'sample_id');
    expect(r.pairs.map((p) => p.key)).toEqual(['c', 'a', 'b']);
    expect(r.deltas[0]).toBeCloseTo(-0.05, 12);
    expect(r.deltas[1]).toBeCloseTo(0.1, 12);
    expect(r.deltas[2]).toBeCloseTo(-0.05, 12);
    expect(r.pairs[0]).toMatchObject({ prompt: 'cat', seed: 3, current: 0.5, baseline: 0.55, index: 0 });
    expect(r.pairs[2]?.index).toBe(3);
    expect(r.expected_pairs).toBe(5);
    expect(r.paired_count).toBe(3);
    expect(r.paired_ratio).toBeCloseTo(0.6, 12);
    expect(r.current_unmatched).toBe(1);
    expect(r.baseline_unmatched).toBe(2);
  });

  it('normalises direction for lower-is-better gates', () => {
    const gt = pairDeltas(current, baseline, '>', 'sample_id');
    const le = pairDeltas(current, baseline, '<=', 'sample_id');
    const lt = pairDeltas(current, baseline, '<', 'sample_id');
    gt.deltas.forEach((d, i) => {
      expect(le.deltas[i]).toBeCloseTo(-d, 12);
      expect(lt.deltas[i]).toBeCloseTo(-d, 12);
    });
  });

  it('matches repeated keys occurrence by occurrence', () => {
    const r = pairDeltas([pt('k', 1), pt('k', 2), pt('k', 3)], [pt('k', 10), pt('k', 20)], '>=', 'sample_id');
    expect(r.deltas).toEqual([-9, -18]);
    expect(r.current_unmatched).toBe(1);
    expect(r.baseline_unmatched).toBe(0);
  });

  it('legacy mode pairs by position and ignores keys', () => {
    const r = pairDeltas(current, baseline, '>=', 'legacy');
    expect(r.paired_count).toBe(4);
    expect(r.deltas[0]).toBeCloseTo(0.5 - 0.7, 12);
    expect(r.deltas[3]).toBeCloseTo(0.6 - 0.1, 12);
    expect(r.baseline_unmatched).toBe(1);
  });

  it('handles empty series', () => {
    const r = pairDeltas([], [], '>=', 'sample_id');
    expect(r.paired_ratio).toBe(0);
    expect(r.expected_pairs).toBe(0);
    expect(r.worst_deltas).toEqual([]);
  });

  it('reports the five worst deltas, worst first, ties in generation order', () => {
    const cur = Array.from({ length: 8 }, (_, i) => pt(`s${i}`, [0, -3, 1, -3, -1, 2, -2, -5][i]!));
    const base = cur.map((p) => pt(p.key, 0));
    const r = pairDeltas(cur, base, '>=', 'sample_id');
    expect(r.worst_deltas.map((p) => p.key)).toEqual(['s7', 's1', 's3', 's6', 's4']);
    expect(worstPairs(r.pairs, 2).map((p) => p.delta)).toEqual([-5, -3]);
    expect(() => worstPairs(r.pairs, -1)).toThrow(RangeError);
  });

  it('refuses non-finite values with the sample key in the message', () => {
    const call = () => pairDeltas([pt('bad', Number.NaN)], [pt('bad', 1)], '>=', 'sample_id');
    expect(call).toThrow(TemporalCIError);
    expect(call).toThrow(/"bad"/);
  });
});
