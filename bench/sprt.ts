/**
 * Samples-to-decision of the sequential SPRT gate against the fixed-sample z-test with the same α and β,
 * on the same simulated delta streams (seeded): the sequential test reads a stream until it decides, the
 * fixed test reads the first N of the same stream. The point of a sequential gate is to stop generating
 * videos early; this measures how early, and checks both tests' error rates on the way.
 *
 *   npx tsx bench/sprt.ts      prints a table
 */
import { fileURLToPath } from 'node:url';
import { normalQuantile } from '../src/gates/distributions.js';
import { createRng } from '../src/gates/random.js';
import { fixedNSampleSize, runSequential, type SprtTestParams } from '../src/gates/sprt.js';
import type { BenchResult } from './types.js';

const RUNS = 10_000;
const SIGMA = 1;
const EFFECT = 0.5;

interface Config {
  label: string;
  alpha: number;
  beta: number;
}

const CONFIGS: Config[] = [
  { label: 'a.05_b.10', alpha: 0.05, beta: 0.1 },
  { label: 'a.05_b.05', alpha: 0.05, beta: 0.05 },
];

interface ScenarioOutcome {
  meanPairs: number;
  /** Share of runs the sequential test declared a regression. */
  seqRegression: number;
  /** Share of runs the fixed-N test declared a regression on the first N deltas of the same stream. */
  fixedRegression: number;
}

function runScenario(
  cfg: Config,
  shift: number,
  waveSize: number,
  fixedN: number,
  seed: number,
): ScenarioOutcome {
  const params: SprtTestParams = {
    alpha: cfg.alpha,
    beta: cfg.beta,
    effect_size: EFFECT,
    sigma_mode: 'fixed',
    sigma: SIGMA,
    sigma_floor: 0.01,
    min_pairs: 2,
  };
  // The fixed test declares a regression when the mean delta falls below c; c puts exactly β of the
  // no-change distribution below it (false alarms), and N was sized so that at most α of the regressed
  // distribution lies above it (misses).
  const cut = (-normalQuantile(1 - cfg.beta) * SIGMA) / Math.sqrt(fixedN);
  const rng = createRng(seed);
  let pairs = 0;
  let seqRegression = 0;
  let fixedRegression = 0;
  for (let r = 0; r < RUNS; r++) {
    const stream: number[] = [];
    const fill = (k: number) => {
      while (stream.length < k) stream.push(shift + SIGMA * rng.normal());
    };
    let pos = 0;
    const state = runSequential(params, waveSize, (size) => {
      fill(pos + size);
      const wave = stream.slice(pos, pos + size);
      pos += size;
      return wave;
    });
    pairs += state.n;
    if (state.decision === 'accept_h0_regression') seqRegression++;
    fill(fixedN);
    let sum = 0;
    for (let i = 0; i < fixedN; i++) sum += stream[i]!;
    if (sum / fixedN < cut) fixedRegression++;
  }
  return {
    meanPairs: pairs / RUNS,
    seqRegression: seqRegression / RUNS,
    fixedRegression: fixedRegression / RUNS,
  };
}

export async function benchSprt(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let seed = 1;
  for (const cfg of CONFIGS) {
    const fixedN = fixedNSampleSize(cfg.alpha, cfg.beta, EFFECT, SIGMA);
    for (const [scenario, shift] of [
      ['no_change', 0],
      ['regression', -EFFECT],
    ] as const) {
      for (const wave of [1, 4]) {
        const o = runScenario(cfg, shift, wave, fixedN, seed++);
        // Error rate of each test in this scenario: a false alarm under no change, a miss under regression.
        const seqError = scenario === 'no_change' ? o.seqRegression : 1 - o.seqRegression;
        const fixedError = scenario === 'no_change' ? o.fixedRegression : 1 - o.fixedRegression;
        const bound = scenario === 'no_change' ? cfg.beta : cfg.alpha;
        const errorName = scenario === 'no_change' ? 'false_alarm' : 'miss';
        results.push({
          name: `sprt.${cfg.label}.${scenario}.wave${wave}.mean_pairs`,
          value: o.meanPairs,
          unit: 'pairs',
          reference: fixedN,
          ratio: o.meanPairs / fixedN,
          note: `${errorName}: sequential ${seqError.toFixed(4)}, fixed-N ${fixedError.toFixed(4)}, bound ${bound}; δ/σ=${EFFECT / SIGMA}, ${RUNS} runs`,
        });
      }
    }
  }
  return results;
}

function printTable(rows: BenchResult[]): void {
  const header = ['name', 'mean pairs', 'fixed N', 'ratio', 'note'];
  const lines = rows.map((r) => [
    r.name,
    r.value.toFixed(2),
    String(r.reference ?? ''),
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  printTable(await benchSprt());
}
