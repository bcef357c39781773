import { describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import { checkCalibration, recommend, summarizeDeltas } from '../../../src/gates/calibration.js';
import { parseCalibration } from '../../../src/gates/calibration-file.js';
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

  it('rejects an unknown schema_version', () => {
    expect(() => parseCalibration({ schema_version: 2 }, 'x.json')).toThrow(TemporalCIError);
    expect(() => parseCalibration({ schema_version: 1 }, 'x.json')).toThrow(/not a calibration file/);
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

  it('refuses a metric without an sprt_regression gate', () => {
    expect(() => applyCalibrationText(suite, 's.yaml', 'other', 0, { sigma: 1, min_pairs: 2 })).toThrow(
      /no sprt_regression gate/,
    );
  });
});
