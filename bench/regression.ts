import { evaluateStatisticalRegression } from '../src/gates/regression.js';
import type { MeasuredRun } from '../src/schema/measured.js';
import type { GateConfig } from '../src/schema/suite.js';
import { createRng, type Rng } from '../src/stats/random.js';
import type { BenchResult } from './types.js';

/**
 * The statistical regression check under no change: its false-alarm rate (floors off, so the test's own
 * level shows) against alpha, and with the default 1 % floor; and its power on a 3 % drop. 9 samples per run
 * (3 prompts × 3 seeds), content effects shared by paired samples, run-to-run noise σ = 1 % of the value.
 */
const TRIALS = 4000;
const N = 9;

function run(values: readonly number[], offset: number): MeasuredRun {
  return {
    samples: values.map((v, i) => ({
      sample_id: `s${offset + i}`,
      prompt: `p${i % 3}`,
      seed: i,
      metrics: { m: { v } },
    })),
    metrics: {},
  };
}

const t3 = (rng: Rng) =>
  rng.normal() / Math.sqrt((rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2) / 3);

function rate(
  paired: boolean,
  noise: (rng: Rng) => number,
  drop: number,
  params: Record<string, number>,
): number {
  const gate: GateConfig = {
    metric: 'm.v',
    op: '>=',
    value: 0,
    method: 'threshold',
    aggregate: 'mean',
    params,
    window: 0,
  };
  const rng = createRng(7);
  let alarms = 0;
  for (let k = 0; k < TRIALS; k++) {
    const content = Array.from({ length: N }, () => 10 + 3 * rng.normal());
    const base = content.map((c) => c + 0.1 * noise(rng));
    const cur = (paired ? content : Array.from({ length: N }, () => 10 + 3 * rng.normal())).map(
      (c) => c * (1 - drop) + 0.1 * noise(rng),
    );
    if (evaluateStatisticalRegression(gate, 0, run(cur, paired ? 0 : 100), run(base, 0))?.regressed) alarms++;
  }
  return alarms / TRIALS;
}

export async function benchRegression(): Promise<BenchResult[]> {
  const off = { min_absolute_change: 0, min_relative_change: 0 };
  const rows: BenchResult[] = [];
  for (const [label, paired] of [
    ['paired', true],
    ['unpaired', false],
  ] as const) {
    for (const [noiseName, noise] of [
      ['Gaussian', (r: Rng) => r.normal()],
      ['t3', t3],
    ] as const) {
      const far = rate(paired, noise, 0, off);
      rows.push({
        name: `false alarms, ${label}, ${noiseName}, floors off`,
        value: far,
        unit: 'rate',
        reference: 0.05,
        ratio: far / 0.05,
      });
    }
    const withFloor = rate(paired, (r) => r.normal(), 0, {});
    rows.push({
      name: `false alarms, ${label}, Gaussian, 1 % floor`,
      value: withFloor,
      unit: 'rate',
      reference: 0.05,
      ratio: withFloor / 0.05,
    });
    const power = rate(paired, (r) => r.normal(), 0.03, {});
    rows.push({
      name: `detects a 3 % drop, ${label}`,
      value: power,
      unit: 'rate',
      note: `${TRIALS} trials, n=${N}`,
    });
  }
  return rows;
}
