import { describe, expect, it } from 'vitest';
import { DEFAULT_LOOKAHEAD, WaveLedger } from '../../../src/fleet/waves/ledger.js';
import { evaluateWave, splitWaves, startSequential } from '../../../src/runs/sequential.js';
import type { PlannedSample } from '../../../src/runs/types.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import type { GateConfig } from '../../../src/schema/suite.js';
import { planOf, sampleRecord, sprtGate } from './sim.js';

const GATES = [sprtGate('m.score')];

function baselineOf(plan: readonly PlannedSample[], score = 0.5): MeasuredRun {
  return {
    samples: plan.map((p) => ({
      sample_id: p.sampleId,
      prompt: p.prompt,
      seed: p.seed,
      metrics: { m: { score } },
    })),
    metrics: {},
  };
}

/** A ledger over `n` samples in plan order, waves of 4: an unchanged candidate decides at wave 2 (8 pairs). */
function ledgerOf(n: number, opts: { baseline?: boolean; maxAttempts?: number; gates?: GateConfig[] } = {}) {
  const order = planOf(n);
  const gates = opts.gates ?? GATES;
  const baseline = opts.baseline === false ? null : baselineOf(order);
  const seq = startSequential(gates, baseline, order, 4, () => true);
  const plan = { order, seq, gates, reused: [], maxAttempts: opts.maxAttempts ?? 3 };
  return { order, plan, ledger: new WaveLedger(plan) };
}

const ids = (ps: readonly PlannedSample[]) => ps.map((p) => p.sampleId);
const result = (p: PlannedSample, score = 0.5) => sampleRecord(p, { score, other: 0 });

/** Enqueue, claim and complete one sample with the given score. */
function finish(ledger: WaveLedger, p: PlannedSample, score = 0.5) {
  if (ledger.stateOf(p.sampleId) === 'pending') ledger.markQueued(p.sampleId);
  const attempt = ledger.claim(p.sampleId);
  if (attempt === null) throw new Error(`${p.sampleId} could not be claimed`);
  return ledger.complete(p.sampleId, attempt, result(p, score), 2);
}

describe('WaveLedger: the dispatch window', () => {
  it('offers the wave being completed plus `lookahead` waves, in plan order, and never more', () => {
    const { ledger, order } = ledgerOf(20);
    expect(ids(ledger.dispatchable(0))).toEqual(ids(order.slice(0, 4)));
    // The default keeps one wave in reserve: the next wave's GPUs start while this one finishes.
    expect(DEFAULT_LOOKAHEAD).toBe(1);
    expect(ids(ledger.dispatchable())).toEqual(ids(order.slice(0, 8)));
    expect(ids(ledger.dispatchable(3))).toEqual(ids(order.slice(0, 16)));
    expect(ids(ledger.dispatchable(99))).toEqual(ids(order));
    // Enqueued jobs are not offered again; the window moves only when a wave is evaluated.
    for (const p of order.slice(0, 8)) ledger.markQueued(p.sampleId);
    expect(ledger.dispatchable(1)).toEqual([]);
    for (const p of order.slice(0, 4)) finish(ledger, p, 0.5 + (p.seed % 2) * 0.01);
    expect(ledger.advance().evaluated).toEqual([1]);
    expect(ids(ledger.dispatchable(1))).toEqual(ids(order.slice(8, 12)));
  });

  it('puts the whole plan in one wave when nothing can stop early (no baseline)', () => {
    const { ledger, order } = ledgerOf(10, { baseline: false });
    expect(ledger.waveCount).toBe(1);
    expect(ids(ledger.dispatchable(0))).toEqual(ids(order));
  });

  it('refuses a negative or fractional lookahead', () => {
    const { ledger } = ledgerOf(8);
    expect(() => ledger.dispatchable(-1)).toThrow(/lookahead must be an integer >= 0/);
    expect(() => ledger.dispatchable(0.5)).toThrow(/lookahead/);
  });
});

describe('WaveLedger: waves are evaluated in plan order', () => {
  it('holds a wave that completed early until the waves before it are in', () => {
    const { ledger, order } = ledgerOf(16);
    for (const p of order.slice(0, 8)) ledger.markQueued(p.sampleId);
    for (const p of order.slice(4, 8)) finish(ledger, p);
    expect(ledger.advance()).toEqual({ evaluated: [], decision: null });
    for (const p of order.slice(0, 3)) finish(ledger, p);
    expect(ledger.advance().evaluated).toEqual([]);
    finish(ledger, order[3]!);
    // Both waves go in together, in order, and wave 2 decides (8 identical pairs).
    const step = ledger.advance();
    expect(step.evaluated).toEqual([1, 2]);
    expect(step.decision?.wave).toBe(2);
    expect(ledger.outcome().samples.map((s) => s.sample_id)).toEqual(ids(order.slice(0, 8)));
  });
});

describe('WaveLedger: a decision', () => {
  it('cancels queued jobs, aborts leased ones, and counts late work as speculative, outside samples', () => {
    const { ledger, order } = ledgerOf(40);
    for (const p of ledger.dispatchable(2)) ledger.markQueued(p.sampleId);
    for (const p of order.slice(0, 7)) finish(ledger, p);
    // Wave 3 is out: one finished early, two held by workers, one still queued.
    finish(ledger, order[8]!);
    const a9 = ledger.claim(order[9]!.sampleId)!;
    const a10 = ledger.claim(order[10]!.sampleId)!;
    expect(ledger.advance().decision).toBeNull();
    finish(ledger, order[7]!);
    const { decision } = ledger.advance();
    expect(decision).toEqual({
      wave: 2,
      cancel: ids(order.slice(11, 12)),
      abort: [
        { sampleId: order[9]!.sampleId, attempt: a9 },
        { sampleId: order[10]!.sampleId, attempt: a10 },
      ],
    });
    expect(ledger.finished).toBe(true);
    expect(ledger.settled).toBe(false);
    expect(ledger.dispatchable(3)).toEqual([]);
    // A cancelled job is not run even if the queue still hands it out.
    expect(ledger.claim(order[11]!.sampleId)).toBeNull();
    expect(ledger.markQueued(order[12]!.sampleId)).toBe(false);
    // One worker finishes anyway, the other stops when told.
    expect(ledger.complete(order[9]!.sampleId, a9, result(order[9]!), 5)).toBe('speculative');
    expect(ledger.aborted(order[10]!.sampleId, a10, 1.5)).toBe('cancelled');
    expect(ledger.settled).toBe(true);
    const out = ledger.outcome();
    expect(out.decidedWave).toBe(2);
    expect(out.seq.stoppedEarly).toBe(true);
    expect(out.samples.map((s) => s.sample_id)).toEqual(ids(order.slice(0, 8)));
    // s8 finished before the decision, s9 after it; s10's 1.5 s were spent too.
    expect(out.speculative).toEqual({ generated: 2, gpu_s: 2 + 5 + 1.5 });
    expect(out.seq.tracks.get(0)?.state.decided_at).toEqual({ wave: 2, n: 8 });
  });

  it('runs the plan to the end when the SPRT does not decide, with nothing speculative', () => {
    const { ledger, order } = ledgerOf(6);
    for (const [i, p] of order.entries()) finish(ledger, p, 0.5 - 0.015 + (i % 2 ? 0.03 : -0.03));
    expect(ledger.advance()).toEqual({ evaluated: [1, 2], decision: null });
    const out = ledger.outcome();
    expect(out.decidedWave).toBeNull();
    expect(out.seq.stoppedEarly).toBe(false);
    expect(out.seq.tracks.get(0)?.state.decision).toBe('continue');
    expect(out.samples).toHaveLength(6);
    expect(out.speculative).toEqual({ generated: 0, gpu_s: 0 });
  });

  it('has no outcome before the verdict', () => {
    const { ledger } = ledgerOf(8);
    expect(() => ledger.outcome()).toThrow(/not decided: 0 of 2 waves in/);
  });
});

describe('WaveLedger: an interrupted run', () => {
  it('stops dispatching, cancels and aborts, and keeps every finished result for run --resume', () => {
    const { ledger, order } = ledgerOf(16);
    for (const p of ledger.dispatchable(1)) ledger.markQueued(p.sampleId);
    for (const p of order.slice(0, 4)) finish(ledger, p, 0.5 + (p.seed % 2) * 0.01);
    ledger.advance();
    for (const p of ledger.dispatchable(1)) ledger.markQueued(p.sampleId);
    finish(ledger, order[9]!);
    const held = ledger.claim(order[5]!.sampleId)!;
    const stop = ledger.interrupt();
    expect(stop.abort).toEqual([{ sampleId: order[5]!.sampleId, attempt: held }]);
    expect(stop.cancel).toEqual(ids([order[4]!, ...order.slice(6, 9), ...order.slice(10, 12)]));
    expect(ledger.dispatchable(3)).toEqual([]);
    expect(ledger.advance()).toEqual({ evaluated: [], decision: null });
    // The worker finished before it heard: a real sample, kept like any finished one.
    expect(ledger.complete(order[5]!.sampleId, held, result(order[5]!), 4)).toBe('recorded');
    expect(ledger.settled).toBe(true);
    const out = ledger.outcome();
    expect(out.interrupted).toBe(true);
    expect(out.decidedWave).toBeNull();
    expect(out.seq.waves).toBe(1);
    expect(out.samples.map((s) => s.sample_id)).toEqual(ids([...order.slice(0, 4), order[5]!, order[9]!]));
    expect(ledger.interrupt()).toEqual({ cancel: [], abort: [] });
  });
});

describe('WaveLedger: leases', () => {
  it('requeues a lost lease, fences the zombie that held it, and records one result', () => {
    const { ledger, order } = ledgerOf(8);
    const p = order[0]!;
    ledger.markQueued(p.sampleId);
    const first = ledger.claim(p.sampleId)!;
    expect(ledger.claim(p.sampleId)).toBeNull(); // a second delivery of the same job
    expect(ledger.lost(p.sampleId, first)).toBe('requeue');
    expect(ids(ledger.dispatchable(0))).toContain(p.sampleId);
    ledger.markQueued(p.sampleId);
    const second = ledger.claim(p.sampleId)!;
    expect(second).toBe(first + 1);
    // The paused worker wakes up and reports: refused, nothing recorded.
    expect(ledger.complete(p.sampleId, first, result(p, 0.1), 3)).toBe('stale');
    expect(ledger.lost(p.sampleId, first)).toBe('stale');
    expect(ledger.complete(p.sampleId, second, result(p), 3)).toBe('recorded');
    // The live worker retries its complete after a coordinator outage: idempotent.
    expect(ledger.complete(p.sampleId, second, result(p), 3)).toBe('duplicate');
    expect(ledger.complete(p.sampleId, first, result(p), 3)).toBe('stale');
    expect(ledger.facts()[0]).toMatchObject({ state: 'done', attempt: 2, lost: 1, recorded_attempt: 2 });
  });

  it('makes a sample that lost max_attempts leases a sample error at stage worker_lost', () => {
    const { ledger, order } = ledgerOf(4, { maxAttempts: 2 });
    const p = order[0]!;
    for (const expected of ['requeue', 'failed'] as const) {
      ledger.markQueued(p.sampleId);
      expect(ledger.lost(p.sampleId, ledger.claim(p.sampleId)!)).toBe(expected);
    }
    for (const q of order.slice(1)) finish(ledger, q);
    ledger.advance();
    const lost = ledger.outcome().samples.find((s) => s.sample_id === p.sampleId);
    expect(lost?.error).toMatchObject({ stage: 'worker_lost', code: 'WORKER_LOST' });
    expect(lost?.error?.message).toMatch(/2 lease\(s\) of this sample expired/);
    expect(lost?.metrics).toEqual({});
    expect(ledger.outcome().lostLeases).toBe(2);
  });

  it('refuses a mismatched result and an unknown sample as caller bugs', () => {
    const { ledger, order } = ledgerOf(4);
    ledger.markQueued(order[0]!.sampleId);
    const a = ledger.claim(order[0]!.sampleId)!;
    expect(() => ledger.complete(order[0]!.sampleId, a, result(order[1]!), 1)).toThrow(/reported for job/);
    expect(() => ledger.complete(order[0]!.sampleId, a, result(order[0]!), Number.NaN)).toThrow(
      /GPU seconds/,
    );
    expect(() => ledger.claim('nope')).toThrow(/not in this run's plan/);
  });
});

describe('WaveLedger.restore (a restarted coordinator)', () => {
  it('re-derives the evaluated waves and the decision from the stored facts', () => {
    const { ledger, order, plan } = ledgerOf(16);
    for (const p of ledger.dispatchable(1)) ledger.markQueued(p.sampleId);
    for (const p of order.slice(0, 7)) finish(ledger, p);
    ledger.advance();
    const held = ledger.claim(order[7]!.sampleId)!;
    const fresh = () => ({
      ...plan,
      seq: startSequential(plan.gates, baselineOf(order), order, 4, () => true),
    });
    const again = WaveLedger.restore(fresh(), JSON.parse(JSON.stringify(ledger.facts())));
    expect(again.advance().evaluated).toEqual([1]);
    expect(again.stateOf(order[7]!.sampleId)).toBe('leased');
    expect(again.complete(order[7]!.sampleId, held, result(order[7]!), 1)).toBe('recorded');
    expect(again.advance().decision?.wave).toBe(2);
    expect(() => WaveLedger.restore(fresh(), [{ ...ledger.facts()[0]!, sample_id: 'elsewhere' }])).toThrow(
      /not in the run's plan/,
    );
    expect(() => WaveLedger.restore(fresh(), [{ ...ledger.facts()[0]!, record: null }])).toThrow(
      /is done without a result/,
    );
    // The plan's sequential state must be fresh: the ledger advances it itself.
    expect(() => new WaveLedger(plan)).toThrow(/fresh sequential state/);
  });
});

describe('the evaluation the local loop and the ledger share (src/runs/sequential.ts)', () => {
  it('cuts the plan into waves of wave_size, the last one shorter', () => {
    expect(splitWaves([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitWaves([], 3)).toEqual([]);
    expect(() => splitWaves([1], 0)).toThrow(/integer wave size >= 1/);
  });

  it('refuses to evaluate a wave out of order', () => {
    const order = planOf(8);
    const seq = startSequential(GATES, baselineOf(order), order, 4, () => true);
    const waves = splitWaves(order, 4);
    expect(() => evaluateWave(seq, GATES, waves, 1, [])).toThrow(/wave 2 evaluated out of order: 0 of 2/);
    expect(
      evaluateWave(
        seq,
        GATES,
        waves,
        0,
        order.slice(0, 4).map((p) => result(p)),
      ),
    ).toBe(false);
    expect(seq.waves).toBe(1);
  });
});
