import { describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import {
  calibrateGate,
  checkCalibration,
  checkCalibrationGates,
  recommend,
  summarizeDeltas,
} from '../../../src/gates/calibration.js';
import { applyTargets, parseCalibration } from '../../../src/gates/calibration-file.js';
import { sprtParamsSchema } from '../../../src/gates/sprt-params.js';
import { applyCalibrationText } from '../../../src/suite/apply-calibration.js';

describe('calibration statistics', () => {
  it('summarises deltas with SD (n−1) and 1.4826·MAD', () => {
    const s = summarizeDeltas([1, 2, 3, 4, 100]);
    expect(s.count).toBe(5);
    expect(s.p50).toBe(3);
    expect(s.std).toBeCloseTo(Math.sqrt(((22 - 1) ** 2 + 20 ** 2 + 19 ** 2 + 18 ** 2 + 78 ** 2) / 4), 10);
    // |d − 3| = 2,1,0,1,97 → MAD 1.
    expect(s.mad_sigma).toBeCloseTo(1.4826, 10);
    expect(summarizeDeltas([]).mean).toBeNull();
  });

  it('recommends max(SD, MAD σ, floor) and the min_pairs an unchanged model needs', () => {
    const p = sprtParamsSchema.parse({ effect_size: 0.03, min_pairs: 6 });
    const r = recommend(summarizeDeltas([0.02, -0.02, 0.02, -0.02]), p);
    const sd = Math.sqrt((4 * 0.02 ** 2) / 3);
    // Median 0, every |d| = 0.02: the MAD σ (0.029652) exceeds the SD (0.023094) and wins.
    const sigma = Math.max(sd, 1.4826 * 0.02);
    expect(sigma).toBeGreaterThan(sd);
    expect(r.sigma_candidates.recommended_sigma).toBeCloseTo(sigma, 12);
    // A/drift = 2.8904·2σ²/δ².
    expect(r.recommended_params.min_pairs).toBe(Math.ceil((2.8903717578961645 * 2 * sigma * sigma) / 0.0009));
    expect(recommend(summarizeDeltas([0, 0, 0]), p).recommended_params.sigma).toBe(0.01);
  });

  it('checks floors', () => {
    const c = {
      delta_summary: { count: 10 },
      mismatch_runs: 2,
      sigma_candidates: { recommended_sigma: 0.05 },
    };
    expect(checkCalibration(c, {}).passed).toBe(true);
    const r = checkCalibration(c, {
      min_total_deltas: 11,
      max_mismatch_runs: 1,
      max_recommended_sigma: 0.01,
    });
    expect(r.failures).toHaveLength(3);
    expect(checkCalibration({ ...c, delta_summary: { count: 0 } }, { fail_if_no_deltas: true }).passed).toBe(
      false,
    );
  });
});

const params = sprtParamsSchema.parse({ effect_size: 0.03, min_pairs: 6, sigma_floor: 0.001 });
const pairing = (run_id: string, deltas: number[], expected = deltas.length) => ({
  run_id,
  paired_count: deltas.length,
  expected_pairs: expected,
  paired_ratio: deltas.length / expected,
  deltas,
});

describe('calibrateGate', () => {
  it('pools the deltas of every run into one σ and keeps a summary per run', () => {
    const g = calibrateGate({ index: 3, metric: 'm.score', op: '>=' }, params, [
      pairing('r1', [0.01, -0.01, 0.02]),
      pairing('r2', [0, -0.02], 3),
    ]);
    expect(g).toMatchObject({ gate_index: 3, gate_metric: 'm.score', gate_op: '>=' });
    const pooled = summarizeDeltas([0.01, -0.01, 0.02, 0, -0.02]);
    expect(g.delta_summary).toEqual(pooled);
    expect(g.sigma_candidates.recommended_sigma).toBe(
      recommend(pooled, params).sigma_candidates.recommended_sigma,
    );
    expect(g.run_summaries.map((r) => [r.run_id, r.delta_count, r.paired_ratio])).toEqual([
      ['r1', 3, 1],
      ['r2', 2, 0.666667],
    ]);
    // r2 paired 2 of 3 (< min_paired_ratio 1).
    expect(g.mismatch_runs).toBe(1);
    expect(g.notes.join(' ')).toMatch(/1 run\(s\) paired below min_paired_ratio/);
  });

  it('says when there is nothing to estimate from, or when every delta is identical', () => {
    const none = calibrateGate({ index: 0, metric: 'm', op: '<=' }, params, [pairing('r1', [], 4)]);
    expect(none.delta_summary.count).toBe(0);
    expect(none.notes[0]).toMatch(/No paired deltas/);
    const zero = calibrateGate({ index: 0, metric: 'm', op: '<=' }, params, [pairing('r1', [0, 0, 0])]);
    expect(zero.recommended_params.sigma).toBe(0.001);
    expect(zero.notes[0]).toMatch(/optimistic/);
  });

  it('checks every gate and names the gate in each failure', () => {
    const a = calibrateGate({ index: 1, metric: 'a', op: '>=' }, params, [pairing('r', [0.1, -0.1])]);
    const b = calibrateGate({ index: 4, metric: 'b', op: '>=' }, params, [pairing('r', [0, 0, 0, 0])]);
    const r = checkCalibrationGates([a, b], { min_total_deltas: 3 });
    expect(r.passed).toBe(false);
    expect(r.failures).toEqual(['gates[1] a: min_total_deltas: 2 deltas < 3']);
    expect(checkCalibrationGates([a, b], { min_total_deltas: 2 }).passed).toBe(true);
  });
});

describe('calibration file', () => {
  const gate = (metric: string, index: number, sigma: number) => ({
    ...calibrateGate({ index, metric, op: '>=' }, params, [pairing('r', [sigma, -sigma])]),
    recommended_params: { sigma_mode: 'fixed', sigma, min_pairs: 7 },
  });
  const v2 = {
    schema_version: 2,
    tool: { name: 'temporalci.sprt_calibration', version: '0' },
    suite_hash: 'h',
    gates: [gate('a', 1, 0.02), gate('b', 2, 0.03)],
  };

  it('reads schema 2 with every gate, and schema 1 as a file with one gate', () => {
    const cal = parseCalibration(v2, 'x.json');
    expect(cal.gates.map((g) => [g.gate_index, g.gate_metric])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    const { gates: _gates, ...head } = v2;
    const v1 = parseCalibration({ ...head, schema_version: 1, ...gate('a', 5, 0.02) }, 'old.json');
    expect(v1.gates).toHaveLength(1);
    expect(v1.gates[0]).toMatchObject({ gate_index: 5, gate_metric: 'a' });
  });

  it('rejects an unknown schema_version and a malformed file', () => {
    expect(() => parseCalibration({ ...v2, schema_version: 3 }, 'x.json')).toThrow(/schema_version 3/);
    expect(() => parseCalibration({ schema_version: 1 }, 'x.json')).toThrow(/not a calibration file/);
    expect(() => parseCalibration({ ...v2, gates: [] }, 'x.json')).toThrow(TemporalCIError);
  });

  it('applies every gate by default, one with --gate-metric, or one gate onto another metric', () => {
    const cal = parseCalibration(v2, 'x.json');
    expect(applyTargets(cal, undefined)).toEqual([
      { metric: 'a', index: 1, values: { sigma: 0.02, min_pairs: 7 } },
      { metric: 'b', index: 2, values: { sigma: 0.03, min_pairs: 7 } },
    ]);
    expect(applyTargets(cal, 'b')).toEqual([
      { metric: 'b', index: 2, values: { sigma: 0.03, min_pairs: 7 } },
    ]);
    expect(() => applyTargets(cal, 'c')).toThrow(/no gate on c/);
    const one = { ...cal, gates: [cal.gates[0]!] };
    expect(applyTargets(one, 'c')).toEqual([
      { metric: 'c', index: -1, values: { sigma: 0.02, min_pairs: 7 }, from: 'gates[1] a' },
    ]);
  });
});

describe('applyCalibrationText', () => {
  const suite = `# head
gates:
  - metric: "m.score"   # the gate
    op: ">="
    value: 0.4
    method: "sprt_regression"
    params:
      sigma_mode: "estimate"  # was estimate
      effect_size: 0.03
  # trailing comment
`;

  it('changes only the values, keeping quotes and comments, and adds missing keys at the map indent', () => {
    const out = applyCalibrationText(suite, 's.yaml', 'm.score', 0, { sigma: 0.021, min_pairs: 9 });
    expect(out).toBe(
      suite
        .replace('"estimate"  # was', '"fixed"  # was')
        .replace('effect_size: 0.03', 'effect_size: 0.03\n      sigma: 0.021\n      min_pairs: 9'),
    );
  });

  it('keeps a comment on the last param with its own key', () => {
    const commented = suite.replace('effect_size: 0.03', 'effect_size: 0.03  # from the spec');
    const out = applyCalibrationText(commented, 's.yaml', 'm.score', 0, { sigma: 0.021, min_pairs: 9 });
    expect(out).toContain('effect_size: 0.03  # from the spec\n      sigma: 0.021\n      min_pairs: 9\n');
  });

  it('refuses a metric without an sprt_regression gate', () => {
    expect(() => applyCalibrationText(suite, 's.yaml', 'other', 0, { sigma: 1, min_pairs: 2 })).toThrow(
      /no sprt_regression gate/,
    );
  });
});
