/**
 * Samples-to-decision of the sequential SPRT gate against the fixed-sample z-test with the same α and β,
 * on the same simulated delta streams (seeded): the sequential test reads a stream until it decides, the
 * fixed test reads the first N of the same stream. The point of a sequential gate is to stop generating
 * videos early; this measures how early, and checks both tests' error rates on the way.
 *
 * Protocol (what a user gets with the defaults): sigma_mode fixed at the true σ, min_pairs 6 (the default),
 * deltas N(μ, σ²) with δ/σ = 0.5, waves of 1 and of 4 (run.wave_size default), 10,000 runs per row.
 * Designs: `wald` (the original's boundaries), `corrected` (overshoot-corrected, the default with a fixed σ),
 * `corrected+cap` (also truncated at 2× the fixed N, at_max_pairs: sign). Each design has rows for no change
 * (μ = 0), a regression (μ = −δ), their mean, μ = −δ/2 (where the SPRT's expected sample size peaks) and the
 * largest sample seen. `lower_bound` rows give the smallest mean any test with error rates exactly α and β
 * can have (Wald; Hoeffding): E[N] ≥ KL(decisions)/KL(per pair); no sequential design can beat them.
 *
 *   npx tsx bench/sprt.ts      (or npm run bench -- sprt)
 */
import { fileURLToPath } from 'node:url';
import {
  fixedNSampleSize,
  runSequential,
  type SprtTestParams,
  sprtThresholds,
  waldAverageSampleNumber,
} from '../src/gates/sprt.js';
import { normalQuantile } from '../src/stats/distributions.js';
import { createRng } from '../src/stats/random.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const RUNS = 10_000;
const SIGMA = 1;
const EFFECT = 0.5;
const MIN_PAIRS = 6;

const CONFIGS = [
  { label: 'a.05_b.10', alpha: 0.05, beta: 0.1 },
  { label: 'a.05_b.05', alpha: 0.05, beta: 0.05 },
] as const;
type Config = (typeof CONFIGS)[number];

interface Design {
  label: string;
  wave: number;
  patch: Partial<SprtTestParams>;
  /** Truncation point as a multiple of the fixed N. */
  capFactor?: number;
}

const DESIGNS: Design[] = [
  { label: 'wald', wave: 1, patch: { boundary: 'wald' } },
  { label: 'wald', wave: 4, patch: { boundary: 'wald' } },
  { label: 'corrected', wave: 1, patch: { boundary: 'corrected' } },
  { label: 'corrected', wave: 4, patch: { boundary: 'corrected' } },
  { label: 'corrected+cap2N', wave: 4, patch: { boundary: 'corrected', at_max_pairs: 'sign' }, capFactor: 2 },
];

interface Outcome {
  meanPairs: number;
  maxPairs: number;
  /** Share of runs the sequential test declared a regression. */
  seqRegression: number;
  /** Share of runs the fixed-N test declared a regression on the first N deltas of the same stream. */
  fixedRegression: number;
}

function runScenario(cfg: Config, design: Design, shift: number, fixedN: number, seed: number): Outcome {
  const params: SprtTestParams = {
    alpha: cfg.alpha,
    beta: cfg.beta,
    effect_size: EFFECT,
    sigma_mode: 'fixed',
    sigma: SIGMA,
    sigma_floor: 0.01,
    min_pairs: MIN_PAIRS,
    ...design.patch,
    ...(design.capFactor === undefined ? {} : { max_pairs: design.capFactor * fixedN }),
  };
  // The fixed test declares a regression when the mean delta falls below c; c puts exactly β of the
  // no-change distribution below it (false alarms), and N was sized so that at most α of the regressed
  // distribution lies above it (misses).
  const cut = (-normalQuantile(1 - cfg.beta) * SIGMA) / Math.sqrt(fixedN);
  const rng = createRng(seed);
  let pairs = 0;
  let maxPairs = 0;
  let seqRegression = 0;
  let fixedRegression = 0;
  for (let r = 0; r < RUNS; r++) {
    const stream: number[] = [];
    const fill = (k: number) => {
      while (stream.length < k) stream.push(shift + SIGMA * rng.normal());
    };
    let pos = 0;
    const state = runSequential(params, design.wave, (size) => {
      fill(pos + size);
      const wave = stream.slice(pos, pos + size);
      pos += size;
      return wave;
    });
    pairs += state.n;
    maxPairs = Math.max(maxPairs, state.n);
    if (state.decision === 'accept_h0_regression') seqRegression++;
    fill(fixedN);
    let sum = 0;
    for (let i = 0; i < fixedN; i++) sum += stream[i]!;
    if (sum / fixedN < cut) fixedRegression++;
  }
  return {
    meanPairs: pairs / RUNS,
    maxPairs,
    seqRegression: seqRegression / RUNS,
    fixedRegression: fixedRegression / RUNS,
  };
}

/** Wald–Hoeffding lower bound on E[N] for any test whose error rates are exactly α (miss) and β (false alarm). */
function lowerBound(cfg: Config): { no_change: number; regression: number } {
  // Equal to Wald's approximation without overshoot: KL between the decision distributions over KL per pair.
  return waldAverageSampleNumber(cfg.alpha, cfg.beta, EFFECT, SIGMA);
}

const f4 = (v: number) => v.toFixed(4);

export async function benchSprt(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [ci, cfg] of CONFIGS.entries()) {
    const fixedN = fixedNSampleSize(cfg.alpha, cfg.beta, EFFECT, SIGMA);
    const { upper, lower } = sprtThresholds(cfg.alpha, cfg.beta);
    const lb = lowerBound(cfg);
    const base = `sprt.${cfg.label}`;
    const row = (name: string, value: number, unit: string, note: string): BenchResult => ({
      name: `${base}.${name}`,
      value,
      unit,
      reference: fixedN,
      ratio: value / fixedN,
      note,
    });
    results.push(
      row(
        'lower_bound.no_change',
        lb.no_change,
        'pairs',
        `any test with error rates α=${cfg.alpha}, β=${cfg.beta}`,
      ),
      row('lower_bound.regression', lb.regression, 'pairs', `A=${upper.toFixed(3)}, B=${lower.toFixed(3)}`),
      row(
        'lower_bound.mean',
        (lb.no_change + lb.regression) / 2,
        'pairs',
        `fixed N = ⌈((z₁₋α + z₁₋β)σ/δ)²⌉ at δ/σ=${EFFECT / SIGMA}`,
      ),
    );
    for (const d of DESIGNS) {
      const tag = `${d.label}.wave${d.wave}`;
      // One seed per (config, scenario): every design reads the same streams, so the designs compare paired.
      const nc = runScenario(cfg, d, 0, fixedN, 10 * ci + 1);
      const rg = runScenario(cfg, d, -EFFECT, fixedN, 10 * ci + 2);
      const mid = runScenario(cfg, d, -EFFECT / 2, fixedN, 10 * ci + 3);
      results.push(
        row(
          `${tag}.no_change`,
          nc.meanPairs,
          'pairs',
          `false alarm: sequential ${f4(nc.seqRegression)}, fixed-N ${f4(nc.fixedRegression)}, bound β=${cfg.beta}`,
        ),
        row(
          `${tag}.regression`,
          rg.meanPairs,
          'pairs',
          `miss: sequential ${f4(1 - rg.seqRegression)}, fixed-N ${f4(1 - rg.fixedRegression)}, bound α=${cfg.alpha}`,
        ),
        row(`${tag}.mean`, (nc.meanPairs + rg.meanPairs) / 2, 'pairs', 'mean of no change and regression'),
        row(`${tag}.midpoint`, mid.meanPairs, 'pairs', 'μ = −δ/2, where the expected sample size peaks'),
        row(
          `${tag}.max`,
          Math.max(nc.maxPairs, rg.maxPairs, mid.maxPairs),
          'pairs',
          `largest sample in ${3 * RUNS} runs`,
        ),
      );
    }
  }
  return results;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printResults('SPRT: samples to decision vs fixed-N', await benchSprt());
}
