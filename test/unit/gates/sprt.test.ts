import { describe, expect, it } from 'vitest';
import { TemporalCIError } from '../../../src/errors.js';
import {
  createSprt,
  fixedNSampleSize,
  runSequential,
  type SprtTestParams,
  sprtLlr,
  sprtThresholds,
  updateSprt,
  waldAverageSampleNumber,
} from '../../../src/gates/sprt.js';

const FIXED: SprtTestParams = {
  alpha: 0.05,
  beta: 0.1,
  effect_size: 0.03,
  sigma_mode: 'fixed',
  sigma: 0.04,
  sigma_floor: 0.01,
  min_pairs: 6,
  // The hand-computed cases below check Wald's arithmetic; the corrected boundaries have their own tests.
  boundary: 'wald',
};

function feedInWaves(params: SprtTestParams, deltas: number[], size: number) {
  let state = createSprt(params);
  for (let i = 0; i < deltas.length; i += size) state = updateSprt(state, deltas.slice(i, i + size));
  return state;
}

/** Serves a fixed list wave by wave, as the engine would generate it. */
function listSource(deltas: number[]) {
  let pos = 0;
  return (size: number) => {
    const wave = deltas.slice(pos, pos + size);
    pos += size;
    return wave;
  };
}

const elevenThenHundred = [...Array<number>(11).fill(0), ...Array<number>(100).fill(-0.1)];

describe('SPRT boundaries and LLR arithmetic', () => {
  it('Wald boundaries for alpha .05, beta .1', () => {
    const { upper, lower } = sprtThresholds(0.05, 0.1);
    expect(upper).toBeCloseTo(2.890372, 6);
    expect(lower).toBeCloseTo(-2.251292, 6);
    const s = createSprt(FIXED);
    expect(s.upper).toBe(upper);
    expect(s.lower).toBe(lower);
  });

  it('LLR equals the sum of log-likelihood ratio terms on a hand case', () => {
    // (2·0.03·d + 0.0009)/0.0032 for d = 0.01, −0.02, 0 is 0.46875, −0.09375, 0.28125.
    const s = updateSprt(createSprt(FIXED), [0.01, -0.02, 0]);
    expect(s.llr).toBeCloseTo(0.65625, 12);
    const direct = [0.01, -0.02, 0].reduce((acc, d) => acc + ((d + 0.03) ** 2 - d ** 2) / (2 * 0.04 ** 2), 0);
    expect(s.llr).toBeCloseTo(direct, 12);
    expect(sprtLlr(3, -0.01, 0.03, 0.04)).toBeCloseTo(0.65625, 12);
    expect(s.decision).toBe('continue');
  });

  it('identical outputs cross the upper boundary at pair 11 (the original example)', () => {
    const s = runSequential(FIXED, 1, () => [0]);
    expect(s.decision).toBe('accept_h1_no_regression');
    expect(s.decided_at).toEqual({ wave: 11, n: 11 });
    expect(s.llr).toBeCloseTo(3.09375, 12);
    expect(s.waves[9]?.llr).toBeCloseTo(2.8125, 12);
    expect(s.drift_per_pair).toBeCloseTo(0.28125, 12);
    expect(s.required_pairs_upper).toBeCloseTo(2.890372 / 0.28125, 5);
    expect(s.required_pairs_lower).toBeCloseTo(2.251292 / 0.28125, 5);
  });

  it('takes no decision before min_pairs even past a boundary', () => {
    const s = updateSprt(createSprt(FIXED), [-0.3, -0.3, -0.3]);
    expect(s.llr).toBeLessThan(s.lower);
    expect(s.decision).toBe('continue');
    const t = updateSprt(s, [-0.3, -0.3, -0.3]);
    expect(t.decision).toBe('accept_h0_regression');
    expect(t.decided_at).toEqual({ wave: 2, n: 6 });
  });

  it('is pure: updating does not change the previous state', () => {
    const s0 = createSprt(FIXED);
    const s1 = updateSprt(s0, [0, 0]);
    updateSprt(s1, [-1, -1, -1, -1]);
    expect(s1.n).toBe(2);
    expect(s1.waves).toHaveLength(1);
    expect(s0.n).toBe(0);
    expect(s0.waves).toHaveLength(0);
  });
});

describe('every seen delta counts', () => {
  it('11 clean then 100 regressed pairs in one wave: regression', () => {
    for (const mode of ['fixed', 'estimate'] as const) {
      const s = updateSprt(createSprt({ ...FIXED, sigma_mode: mode }), elevenThenHundred);
      expect(s.decision).toBe('accept_h0_regression');
      expect(s.n).toBe(111);
    }
    const fixed = updateSprt(createSprt(FIXED), elevenThenHundred);
    expect(fixed.llr).toBeCloseTo((2 * 0.03 * -10 + 111 * 0.0009) / 0.0032, 9);
  });

  it('in waves of 4, an engine that stops at the first decision never passes', () => {
    const s = runSequential(FIXED, 4, listSource(elevenThenHundred));
    expect(s.decision).toBe('accept_h0_regression');
    expect(s.waves.some((w) => w.decision === 'accept_h1_no_regression')).toBe(false);
    // Boundary at 12 pairs holds 11 zeros and one −0.1: 11·0.28125 − 1.59375 = 1.5, still undecided.
    expect(s.waves[2]?.llr).toBeCloseTo(1.5, 12);
  });

  it('a caller that keeps feeding after a decision gets the decision recomputed on all data', () => {
    // Estimate mode: 8 identical pairs give σ = sigma_floor and an early pass at wave 2 (the data seen so
    // far really are identical); the remaining waves overturn it because every delta is counted.
    const params: SprtTestParams = { ...FIXED, sigma_mode: 'estimate' };
    const s = feedInWaves(params, elevenThenHundred, 4);
    expect(s.waves[1]?.decision).toBe('accept_h1_no_regression');
    expect(s.decision).toBe('accept_h0_regression');
    const firstH0 = s.waves.findIndex((w) => w.decision === 'accept_h0_regression');
    expect(s.decided_at).toEqual({ wave: firstH0 + 1, n: s.waves[firstH0]?.n });
    expect(feedInWaves(FIXED, elevenThenHundred, 4).decision).toBe('accept_h0_regression');
  });
});

describe('estimate-mode sigma', () => {
  const params: SprtTestParams = { ...FIXED, sigma_mode: 'estimate', effect_size: 0.02, sigma_floor: 0.001 };
  const wave1 = [0.01, 0.012, 0.008, 0.011, 0.009, 0.01];
  const wave2 = [-0.5, 0.5, -0.5, 0.5];
  const std = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  };

  it('uses only the deltas seen so far, never later ones', () => {
    const s1 = updateSprt(createSprt(params), wave1);
    expect(s1.sigma).toBeCloseTo(std(wave1), 12);
    expect(s1.decision).toBe('accept_h1_no_regression');
    // Peeking at the full vector (as the original did) would have used the much larger σ and not decided.
    const peekSigma = std([...wave1, ...wave2]);
    expect(sprtLlr(6, 0.06, 0.02, peekSigma)).toBeLessThan(s1.upper);

    const s2 = updateSprt(s1, wave2);
    expect(s2.waves[0]).toEqual(s1.waves[0]);
    expect(s2.sigma).toBeCloseTo(peekSigma, 12);
    expect(s2.llr).toBeCloseTo(sprtLlr(10, 0.06, 0.02, peekSigma), 12);
    expect(s2.decision).toBe('continue');
    expect(s2.decided_at).toBeNull();
  });

  it('floors sigma for identical deltas', () => {
    const s = updateSprt(createSprt(params), [0.5, 0.5, 0.5]);
    expect(s.sigma).toBe(0.001);
  });
});

describe('max_pairs', () => {
  it('reaching max_pairs without a decision is inconclusive', () => {
    // d = −δ/2 gives an LLR increment of exactly 0, so no boundary is ever reached.
    const s = runSequential({ ...FIXED, max_pairs: 8 }, 1, () => [-0.015]);
    expect(s.decision).toBe('inconclusive');
    expect(s.n).toBe(8);
    expect(s.decided_at).toEqual({ wave: 8, n: 8 });
    expect(s.waves.slice(0, 7).every((w) => w.decision === 'continue')).toBe(true);
  });

  it('a wave that overshoots max_pairs is still counted in full', () => {
    const s = updateSprt(createSprt({ ...FIXED, max_pairs: 8 }), [
      ...Array<number>(7).fill(-0.015),
      -0.3,
      -0.3,
    ]);
    expect(s.n).toBe(9);
    expect(s.decision).toBe('accept_h0_regression');
  });
});

describe('validation and helpers', () => {
  it('rejects invalid params with GATE_INVALID', () => {
    const bad: Partial<SprtTestParams>[] = [
      { alpha: 0 },
      { alpha: 0.6, beta: 0.5 },
      { effect_size: 0 },
      { sigma: undefined },
      { min_pairs: 0 },
      { max_pairs: 3 },
    ];
    for (const patch of bad) {
      const call = () => createSprt({ ...FIXED, ...patch });
      expect(call).toThrow(TemporalCIError);
      expect(call).toThrow(/SPRT/);
    }
    expect(() => updateSprt(createSprt(FIXED), [Number.NaN])).toThrow(TemporalCIError);
  });

  it('fixed-N sample size matches the z formula', () => {
    // ((1.644854 + 1.281552)·0.04/0.03)² = 15.22 → 16.
    expect(fixedNSampleSize(0.05, 0.1, 0.03, 0.04)).toBe(16);
    // δ/σ = 0.5: (2.926405·2)² = 34.26 → 35.
    expect(fixedNSampleSize(0.05, 0.1, 0.5, 1)).toBe(35);
    expect(fixedNSampleSize(0.05, 0.05, 1, 1)).toBe(11);
  });

  it('Wald average sample numbers', () => {
    const asn = waldAverageSampleNumber(0.05, 0.1, 0.5, 1);
    expect(asn.no_change).toBeCloseTo((0.9 * 2.890372 - 0.1 * 2.251292) / 0.125, 4);
    expect(asn.regression).toBeCloseTo((0.95 * 2.251292 - 0.05 * 2.890372) / 0.125, 4);
  });
});
