import { describe, expect, it } from 'vitest';
import { afterWave, generationOrder, pairableFirst, startSequential } from '../../../src/runs/sequential.js';
import type { PlannedSample } from '../../../src/runs/types.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import type { SampleRecord } from '../../../src/schema/run.js';
import { type GateConfig, gateSchema } from '../../../src/schema/suite.js';

const VIDEO = { num_frames: 4, fps: 8, width: 16, height: 16 };

function gate(g: Record<string, unknown>): GateConfig {
  return gateSchema.parse(g);
}

const sprt = (params: Record<string, unknown> = {}) =>
  gate({
    metric: 'm.score',
    op: '>=',
    value: 0,
    method: 'sprt_regression',
    params: { sigma_mode: 'fixed', sigma: 0.04, effect_size: 0.03, min_pairs: 6, ...params },
  });

function plan(n: number): PlannedSample[] {
  return Array.from({ length: n }, (_, i) => ({
    sampleId: `s${i}`,
    testId: 't',
    prompt: `p${i % 4}`,
    seed: Math.floor(i / 4),
    video: VIDEO,
  }));
}

function sample(p: PlannedSample, score: number | null): SampleRecord {
  return {
    sample_id: p.sampleId,
    test_id: p.testId,
    prompt: p.prompt,
    seed: p.seed,
    video_settings: p.video,
    video_path: null,
    video: null,
    retained: false,
    attempts: 1,
    timings: {},
    error: score === null ? { stage: 'generate', code: 'ADAPTER_FAILED', message: 'x' } : null,
    metrics: score === null ? {} : { m: { score } },
    metadata: {},
  };
}

function baselineOf(p: readonly PlannedSample[], value: (i: number) => number): MeasuredRun {
  return {
    samples: p.map((s, i) => ({
      sample_id: s.sampleId,
      prompt: s.prompt,
      seed: s.seed,
      metrics: { m: { score: value(i) } },
    })),
    metrics: {},
  };
}

const perSample = () => true;

/** Drives the waves the way model-run does; returns how many samples were generated. */
function drive(
  gates: GateConfig[],
  base: MeasuredRun | null,
  order: PlannedSample[],
  score: (p: PlannedSample, i: number) => number | null,
  waveSize = 4,
) {
  const seq = startSequential(gates, base, order, waveSize, perSample);
  const done: SampleRecord[] = [];
  for (let start = 0; start < order.length; ) {
    const wave = order.slice(start, start + seq.waveSize);
    wave.forEach((p, k) => {
      done.push(sample(p, score(p, start + k)));
    });
    start += wave.length;
    if (afterWave(seq, gates, done, order.length - start)) break;
  }
  return { seq, generated: done.length };
}

describe('generationOrder', () => {
  it('is a deterministic permutation that depends on the seed', () => {
    const p = plan(12);
    const a = generationOrder(p, 0);
    expect(generationOrder(p, 0)).toEqual(a);
    expect([...a].map((x) => x.sampleId).sort()).toEqual(p.map((x) => x.sampleId).sort());
    expect(generationOrder(p, 1).map((x) => x.sampleId)).not.toEqual(a.map((x) => x.sampleId));
    // The first wave of 4 is not one prompt's seeds.
    expect(new Set(a.slice(0, 4).map((x) => x.prompt)).size).toBeGreaterThan(1);
  });
});

describe('pairableFirst (a baseline that stopped early)', () => {
  const p = plan(12);
  // The baseline generated 9 of the 12 and skipped the rest (its run record's skipped_samples).
  const skipped = new Set(['s1', 's6', 's11']);
  const base: MeasuredRun = {
    ...baselineOf(
      p.filter((x) => !skipped.has(x.sampleId)),
      () => 0.5,
    ),
    skipped_samples: [...skipped].map((sample_id) => ({ sample_id })),
  };

  it('generates every sample that can pair before any that cannot, each group in its shuffled order', () => {
    const shuffled = generationOrder(p, 0);
    const order = pairableFirst(shuffled, base).map((x) => x.sampleId);
    expect(order.slice(0, 9).some((id) => skipped.has(id))).toBe(false);
    expect(order.slice(9).every((id) => skipped.has(id))).toBe(true);
    const keep = (ids: string[], inSkipped: boolean) => ids.filter((id) => skipped.has(id) === inSkipped);
    const ids = shuffled.map((x) => x.sampleId);
    expect(order.slice(0, 9)).toEqual(keep(ids, false));
    expect(order.slice(9)).toEqual(keep(ids, true));
    expect(pairableFirst(shuffled, null)).toEqual(shuffled);
  });

  it('decides an unchanged candidate on pairable samples only, generating none that can never pair', () => {
    const order = pairableFirst(generationOrder(p, 0), base);
    const { seq, generated } = drive([sprt()], base, order, () => 0.5);
    expect(seq.tracks.get(0)?.state.decision).toBe('accept_h1_no_regression');
    expect(generated).toBeLessThanOrEqual(9);
    expect(order.slice(0, generated).some((x) => skipped.has(x.sampleId))).toBe(false);
  });
});

describe('sequential SPRT generation', () => {
  const order = plan(40);

  it('stops once the SPRT accepts no regression, before the plan ends', () => {
    const base = baselineOf(order, () => 0.5);
    const { seq, generated } = drive([sprt()], base, order, () => 0.5);
    expect(seq.stoppedEarly).toBe(true);
    // δ=.03, σ=.04: 0.28125 per identical pair. sigma_mode fixed → corrected boundary, for waves of 4
    // A' = 2.890 − 0.5826·0.75·√4 = 2.016, reached at 8 pairs (2.25), i.e. wave 2. Wald's A = 2.89 would
    // need 11 pairs, i.e. wave 3 (12 samples).
    expect(generated).toBe(8);
    expect(seq.tracks.get(0)?.state.decision).toBe('accept_h1_no_regression');
  });

  it('stops early on a clear regression too', () => {
    const base = baselineOf(order, () => 0.5);
    const { seq, generated } = drive([sprt()], base, order, () => 0.4);
    expect(seq.tracks.get(0)?.state.decision).toBe('accept_h0_regression');
    expect(generated).toBe(8);
  });

  it('never passes 11 clean pairs followed by regressed ones: the decision is on everything generated', () => {
    const long = plan(111);
    const base = baselineOf(long, () => 0.5);
    // One wave of 111 (waves larger than the plan): all data is seen at the only boundary.
    const { seq } = drive([sprt()], base, long, (_p, i) => (i < 11 ? 0.5 : 0.4), 111);
    expect(seq.tracks.get(0)?.state.decision).toBe('accept_h0_regression');
  });

  it('cannot stop when a gate needs the full set (paired_test), but still traces the SPRT', () => {
    const base = baselineOf(order, () => 0.5);
    const paired = gate({ metric: 'm.score', op: '>=', value: 0, method: 'paired_test' });
    const { seq, generated } = drive([sprt(), paired], base, order, () => 0.5);
    expect(generated).toBe(40);
    expect(seq.stoppedEarly).toBe(false);
    expect(seq.fullSetReason).toMatch(/paired_test/);
  });

  it('runs the whole plan without a baseline (the next run needs every sample to pair with)', () => {
    const { seq, generated } = drive([sprt()], null, order, () => 0.5);
    expect(generated).toBe(40);
    expect(seq.tracks.size).toBe(0);
  });

  it('stops at max_pairs without a decision (the inconclusive policy then applies)', () => {
    const base = baselineOf(order, () => 0.5);
    // Deltas alternate ±: mean 0 but σ estimated large, so the LLR barely moves.
    const { seq, generated } = drive(
      [sprt({ sigma_mode: 'estimate', sigma: undefined, max_pairs: 8 })],
      base,
      order,
      (_p, i) => (i % 2 === 0 ? 0.9 : 0.1),
    );
    expect(seq.tracks.get(0)?.state.decision).toBe('inconclusive');
    expect(generated).toBe(8);
  });
});
