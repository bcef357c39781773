/**
 * Monte Carlo calibration of the SPRT gate with fixed seeds (ecosystem notes A.3: assert empirical error
 * rates against the nominal ones). Each scenario runs 10,000 independent sequential tests, generating
 * deltas wave by wave and stopping at the first decision, exactly as the run engine does.
 * Measured values (seeded, so reproducible) are recorded in docs/statistics.md.
 */
import { describe, expect, it } from 'vitest';
import { runSequential, type SprtTestParams } from '../../../src/gates/sprt.js';
import { studentTQuantile } from '../../../src/stats/distributions.js';
import { createRng } from '../../../src/stats/random.js';

const RUNS = 10_000;
/** Secondary scenarios (heavy tails, σ estimation) use fewer runs to keep the file fast; margins allow for it. */
const RUNS_SECONDARY = 4_000;
const ALPHA = 0.05; // miss rate bound
const BETA = 0.1; // false-alarm rate bound
const EFFECT = 0.5;
const SIGMA = 1;

const params = (patch: Partial<SprtTestParams> = {}): SprtTestParams => ({
  alpha: ALPHA,
  beta: BETA,
  effect_size: EFFECT,
  sigma_mode: 'fixed',
  sigma: SIGMA,
  sigma_floor: 0.01,
  min_pairs: 1,
  // This file measures Wald's own boundaries (the original's); sprt-corrected.test.ts covers the correction.
  boundary: 'wald',
  ...patch,
});

type Noise = 'gaussian' | 't3';

/** Share of runs that ended in each decision; noise is scaled so its standard deviation is SIGMA. */
function simulate(
  p: SprtTestParams,
  noise: Noise,
  shift: number,
  waveSize: number,
  seed: number,
  runs = RUNS,
) {
  const rng = createRng(seed);
  const t3Scale = SIGMA / Math.sqrt(3); // Var(t_3) = 3
  const draw = () => shift + (noise === 'gaussian' ? SIGMA * rng.normal() : t3Scale * rng.studentT(3));
  let regression = 0;
  let noRegression = 0;
  let pairs = 0;
  const wave = (k: number) => {
    const out = new Array<number>(k);
    for (let j = 0; j < k; j++) out[j] = draw();
    return out;
  };
  for (let i = 0; i < runs; i++) {
    const s = runSequential(p, waveSize, wave);
    if (s.decision === 'accept_h0_regression') regression++;
    else if (s.decision === 'accept_h1_no_regression') noRegression++;
    pairs += s.n;
  }
  return { falseAlarmOrHit: regression / runs, passRate: noRegression / runs, meanPairs: pairs / runs };
}

const se = (p: number, runs = RUNS) => Math.sqrt((p * (1 - p)) / runs);

describe('SPRT error rates by simulation (10,000 decisions per scenario)', () => {
  for (const wave of [1, 4]) {
    it(`Gaussian noise, known σ, waves of ${wave}: rates within Wald's bounds`, () => {
      const noChange = simulate(params(), 'gaussian', 0, wave, 11 + wave);
      const regressed = simulate(params(), 'gaussian', -EFFECT, wave, 21 + wave);
      // Every run decides (the SPRT terminates with probability 1 and no max_pairs is set).
      expect(noChange.falseAlarmOrHit + noChange.passRate).toBe(1);
      expect(noChange.falseAlarmOrHit).toBeLessThanOrEqual(BETA + 3 * se(BETA));
      expect(regressed.passRate).toBeLessThanOrEqual(ALPHA + 3 * se(ALPHA));
      // Overshoot past the boundaries makes Wald's bounds conservative; the test must still have power,
      // so the rates must not collapse to zero either (measured 0.081 / 0.040 for waves of 1, 0.056 / 0.029 for waves of 4).
      expect(noChange.falseAlarmOrHit).toBeGreaterThan(0.03);
      expect(regressed.passRate).toBeGreaterThan(0.01);
    });
  }

  it('Student-t(3) noise with σ set to its true standard deviation stays within the bounds', () => {
    const noChange = simulate(params({ min_pairs: 2 }), 't3', 0, 1, 31, RUNS_SECONDARY);
    const regressed = simulate(params({ min_pairs: 2 }), 't3', -EFFECT, 1, 32, RUNS_SECONDARY);
    expect(noChange.falseAlarmOrHit).toBeLessThanOrEqual(BETA + 3 * se(BETA, RUNS_SECONDARY)); // measured 0.060
    expect(regressed.passRate).toBeLessThanOrEqual(ALPHA + 3 * se(ALPHA, RUNS_SECONDARY)); // measured 0.034
  });

  it('Student-t(3) noise with a robust (MAD) σ breaks both bounds', () => {
    // 1.4826·MAD of unit-variance t(3) is 0.655: the robust estimate understates the spread that drives the
    // Gaussian LLR, so each pair moves the LLR 2.3× too far. Documented as the calibration pitfall.
    const madSigma = (1.4826 * studentTQuantile(0.75, 3)) / Math.sqrt(3);
    expect(madSigma).toBeCloseTo(0.6547, 4);
    const p = params({ sigma: madSigma, min_pairs: 6 });
    const noChange = simulate(p, 't3', 0, 1, 41, RUNS_SECONDARY);
    const regressed = simulate(p, 't3', -EFFECT, 1, 42, RUNS_SECONDARY);
    expect(noChange.falseAlarmOrHit).toBeGreaterThan(BETA + 3 * se(BETA, RUNS_SECONDARY)); // measured 0.146
    expect(regressed.passRate).toBeGreaterThan(ALPHA + 3 * se(ALPHA, RUNS_SECONDARY)); // measured 0.108
  });

  it('estimate-mode σ with min_pairs 6 exceeds the nominal rates; min_pairs 20 restores them', () => {
    const loose = params({ sigma_mode: 'estimate', sigma: undefined, min_pairs: 6 });
    const firm = params({ sigma_mode: 'estimate', sigma: undefined, min_pairs: 20 });
    const looseMiss = simulate(loose, 'gaussian', -EFFECT, 1, 51).passRate;
    const firmFalseAlarm = simulate(firm, 'gaussian', 0, 1, 52, RUNS_SECONDARY).falseAlarmOrHit;
    const firmMiss = simulate(firm, 'gaussian', -EFFECT, 1, 53, RUNS_SECONDARY).passRate;
    expect(looseMiss).toBeGreaterThan(ALPHA + 3 * se(ALPHA)); // measured 0.072
    expect(firmFalseAlarm).toBeLessThanOrEqual(BETA + 3 * se(BETA, RUNS_SECONDARY)); // measured 0.057
    expect(firmMiss).toBeLessThanOrEqual(ALPHA + 3 * se(ALPHA, RUNS_SECONDARY)); // measured 0.036
  });
});
