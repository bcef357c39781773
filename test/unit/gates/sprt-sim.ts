/**
 * Monte Carlo driver shared by the SPRT simulation tests and bench/sprt.ts: runs many independent sequential
 * tests on seeded Gaussian delta streams, wave by wave, stopping at the first decision as the engine does.
 */

import { runSequential, type SprtTestParams } from '../../../src/gates/sprt.js';
import { createRng } from '../../../src/stats/random.js';

export interface SimOutcome {
  /** Share of runs that ended in `accept_h0_regression` (false alarms under no change). */
  regression: number;
  /** Share of runs that ended in `accept_h1_no_regression` (misses under a true regression). */
  noRegression: number;
  meanPairs: number;
  maxPairs: number;
}

/** `runs` sequential tests on deltas N(shift, sigma²), seeded. */
export function simulateSprt(
  params: SprtTestParams,
  shift: number,
  sigma: number,
  waveSize: number,
  seed: number,
  runs: number,
): SimOutcome {
  const rng = createRng(seed);
  const wave = (k: number) => {
    const out = new Array<number>(k);
    for (let j = 0; j < k; j++) out[j] = shift + sigma * rng.normal();
    return out;
  };
  let regression = 0;
  let noRegression = 0;
  let pairs = 0;
  let maxPairs = 0;
  for (let i = 0; i < runs; i++) {
    const s = runSequential(params, waveSize, wave);
    if (s.decision === 'accept_h0_regression') regression++;
    else if (s.decision === 'accept_h1_no_regression') noRegression++;
    pairs += s.n;
    maxPairs = Math.max(maxPairs, s.n);
  }
  return {
    regression: regression / runs,
    noRegression: noRegression / runs,
    meanPairs: pairs / runs,
    maxPairs,
  };
}

/** Monte Carlo standard error of a rate p estimated from `runs` runs. */
export const mcSe = (p: number, runs: number) => Math.sqrt((p * (1 - p)) / runs);
