import { describe, expect, it } from 'vitest';
import { evaluateStatisticalRegression } from '../../../src/gates/regression.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import type { GateConfig } from '../../../src/schema/suite.js';
import { createRng, type Rng } from '../../../src/stats/random.js';

const gate = (over: Partial<GateConfig> = {}): GateConfig => ({
  metric: 'm.score',
  op: '>=',
  value: 0,
  method: 'threshold',
  aggregate: 'mean',
  params: {},
  window: 0,
  ...over,
});

/** A run whose sample i (id `s<offset+i>`) has value values[i] at `metric.leaf`. */
function run(values: readonly number[], opts: { metric?: string; offset?: number } = {}): MeasuredRun {
  const [metric, leaf] = (opts.metric ?? 'm.score').split('.') as [string, string];
  return {
    samples: values.map((v, i) => ({
      sample_id: `s${(opts.offset ?? 0) + i}`,
      prompt: `p${i % 3}`,
      seed: i,
      metrics: { [metric]: { [leaf]: v } },
    })),
    metrics: {},
  };
}

const noisy = (rng: Rng, n: number, mu: number, sd: number) =>
  Array.from({ length: n }, () => mu + sd * rng.normal());

describe('statistical regression check', () => {
  it('a rerun of a deterministic model is no regression; the same drop on every sample is', () => {
    const base = [0.9, 0.8, 0.95, 0.85, 0.9, 0.7];
    expect(evaluateStatisticalRegression(gate(), 0, run(base), run(base))?.regressed).toBe(false);
    const r = evaluateStatisticalRegression(gate(), 0, run(base.map((v) => v * 0.95)), run(base));
    expect(r?.regressed).toBe(true);
    expect(r?.test).toMatchObject({ kind: 'paired', n: 6, scale: 'linear' });
    expect(r?.test?.p_value).toBeLessThan(0.05);
  });

  it('a drop inside the noise, or under the magnitude floor, is no regression', () => {
    const rng = createRng(7);
    const base = noisy(rng, 9, 0.9, 0.02);
    const wobble = base.map((v) => v + 0.01 * rng.normal());
    expect(evaluateStatisticalRegression(gate(), 0, run(wobble), run(base))?.regressed).toBe(false);
    // Significant (the same −0.5 % on every sample) but under the 1 % floor.
    const tiny = base.map((v) => v * 0.995);
    expect(evaluateStatisticalRegression(gate(), 0, run(tiny), run(base))?.regressed).toBe(false);
  });

  it('other seeds compare the runs as wholes and say so; a large shift still regresses', () => {
    const rng = createRng(11);
    const base = noisy(rng, 9, 0.9, 0.02);
    const other = noisy(rng, 9, 0.9, 0.02);
    const r = evaluateStatisticalRegression(gate(), 0, run(other, { offset: 100 }), run(base));
    expect(r?.test?.kind).toBe('unpaired');
    expect(r?.test?.note).toMatch(/^unpaired: 0 of 9 samples pair/);
    expect(r?.regressed).toBe(false);
    const worse = noisy(rng, 9, 0.8, 0.02);
    expect(evaluateStatisticalRegression(gate(), 0, run(worse, { offset: 100 }), run(base))?.regressed).toBe(
      true,
    );
  });

  it('content-scaled metrics compare per-sample log-ratios, so drops on small-valued prompts count', () => {
    // Per-sample sharpness spans decades: the mean is the large prompt alone.
    const base = [1.4e3, 1.5e3, 1.45e3, 4.2e5, 4.1e5, 4.15e5, 2e4, 2.1e4, 2.05e4];
    // The two small-valued prompts lose 26 %; the large one, which is the whole mean, does not change.
    const cur = base.map((v, i) => (i < 3 || i >= 6 ? v * 0.74 : v));
    const g = gate({ metric: 'sharpness.mean', op: '>', params: { min_relative_change: 0.05 } });
    const r = evaluateStatisticalRegression(
      g,
      0,
      run(cur, { metric: 'sharpness.mean' }),
      run(base, { metric: 'sharpness.mean' }),
    );
    expect(r?.test?.scale).toBe('log');
    expect(r?.regressed).toBe(true);
    // The plain mean comparison sees −1.3 % and calls it nothing.
    const mean = evaluateStatisticalRegression(
      { ...g, params: { min_relative_change: 0.05, regression_test: 'mean' } },
      0,
      run(cur, { metric: 'sharpness.mean' }),
      run(base, { metric: 'sharpness.mean' }),
    );
    expect(mean?.regressed).toBe(false);
    expect(mean?.test?.kind).toBe('mean');
  });

  it('a zero baseline has an absolute floor only', () => {
    const g = gate({ metric: 'm.score', op: '<=', value: 1, params: { min_absolute_change: 0.3 } });
    const zeros = [0, 0, 0, 0, 0, 0];
    expect(
      evaluateStatisticalRegression(g, 0, run([0.17, 0.17, 0.17, 0.17, 0.17, 0.17]), run(zeros))?.regressed,
    ).toBe(false);
    expect(
      evaluateStatisticalRegression(g, 0, run([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), run(zeros))?.regressed,
    ).toBe(true);
  });
});

/**
 * False alarms on no-change streams, with the magnitude floors off so the test's own level is what is
 * measured: it must stay at or under alpha (0.05), paired and unpaired, with Gaussian and heavy-tailed
 * (Student t, 3 degrees of freedom) noise. 2000 trials give a Monte-Carlo standard error of 0.005.
 */
describe('statistical regression check: false-alarm rate under no change', () => {
  const trials = 2000;
  const t3 = (rng: Rng) =>
    rng.normal() / Math.sqrt((rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2) / 3);
  const off = gate({ params: { min_absolute_change: 0, min_relative_change: 0 } });
  const cases: [string, boolean, (rng: Rng) => number][] = [
    ['paired, Gaussian', true, (rng) => rng.normal()],
    ['paired, heavy-tailed', true, t3],
    ['unpaired, Gaussian', false, (rng) => rng.normal()],
    ['unpaired, heavy-tailed', false, t3],
  ];
  for (const [name, paired, noise] of cases) {
    it(`${name}: at most alpha`, () => {
      const rng = createRng(2026);
      let alarms = 0;
      for (let k = 0; k < trials; k++) {
        // Per-sample content effects (paired samples share them) plus run-to-run noise.
        const content = Array.from({ length: 9 }, () => 10 + 3 * rng.normal());
        const base = content.map((c) => c + 0.1 * noise(rng));
        const cur = (paired ? content : Array.from({ length: 9 }, () => 10 + 3 * rng.normal())).map(
          (c) => c + 0.1 * noise(rng),
        );
        const r = evaluateStatisticalRegression(off, 0, run(cur, { offset: paired ? 0 : 100 }), run(base));
        if (r?.regressed) alarms++;
      }
      expect(alarms / trials).toBeLessThanOrEqual(0.05);
    });
  }
});
