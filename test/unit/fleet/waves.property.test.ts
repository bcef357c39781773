import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCase,
  type CaseSpec,
  type FleetSpec,
  lostForever,
  runLocally,
  runOnFleet,
  traceOf,
} from './sim.js';

/**
 * Issue 12 item 4: the fleet's wave logic, driven by a simulated fleet with random completion orders, lost
 * leases, zombies, ignored aborts, a coordinator restart and lookahead 0..3, gives the same decision, decision
 * wave, SPRT trace (bit for bit) and used samples as the local wave loop on the same inputs.
 */
const caseSpec: fc.Arbitrary<CaseSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  samples: fc.integer({ min: 0, max: 48 }),
  waveSize: fc.integer({ min: 1, max: 9 }),
  // No change, a clear regression, and one near δ/2 that often runs the plan out undecided.
  shift: fc.constantFrom(0, 0.01, -0.015, -0.06),
  withBaseline: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
  baselineSkips: fc.boolean(),
  resumed: fc.boolean(),
  twoSprtGates: fc.boolean(),
  fullSetGate: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  sigmaMode: fc.constantFrom('fixed' as const, 'estimate' as const),
  maxPairs: fc.option(fc.integer({ min: 4, max: 30 }), { nil: null }),
  atMaxPairsSign: fc.boolean(),
});

const fleetSpec: fc.Arbitrary<FleetSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  workers: fc.integer({ min: 1, max: 12 }),
  lookahead: fc.integer({ min: 0, max: 3 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  kills: fc.array(fc.constantFrom(0, 0, 0, 0, 1, 2, 3), { minLength: 1, maxLength: 17 }),
  zombieRate: fc.constantFrom(0, 0.5),
  ignoreAbortRate: fc.constantFrom(0, 0.5, 1),
  restartAfter: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 200 })),
});

describe('WaveLedger against the local wave loop (property)', () => {
  it('same decision, decision wave, LLR trace and used samples, whatever the fleet does', async () => {
    const seen = {
      decided: 0,
      exhausted: 0,
      regression: 0,
      noRegression: 0,
      oneWave: 0,
      lost: 0,
      stale: 0,
      speculative: 0,
      restarted: 0,
    };
    await fc.assert(
      fc.asyncProperty(caseSpec, fleetSpec, async (cs, fs) => {
        const c = buildCase(cs);
        const fleet = runOnFleet(c, fs);
        const local = await runLocally(c, lostForever(c, fs));
        const out = fleet.outcome;

        expect(fleet.windowViolations).toEqual([]);
        expect(traceOf(out.seq)).toBe(traceOf(local.seq));
        // The whole sequential state the run record is built from: tracks, pairings, waves, stopped_early.
        expect(out.seq).toEqual(local.seq);
        expect(out.samples).toEqual(local.samples);
        expect(out.decidedWave).toBe(local.seq.stoppedEarly ? local.seq.waves : null);
        expect(fleet.decision?.wave ?? null).toBe(out.decidedWave);
        // Each sample recorded at most once, and the run's samples are exactly the evaluated waves.
        for (const n of fleet.accepted.values()) expect(n).toBe(1);
        const ids = out.samples.map((s) => s.sample_id);
        expect(new Set(ids).size).toBe(ids.length);
        // Speculative work lies past the decision only, and never in `samples`.
        if (out.decidedWave === null) expect(out.speculative.generated).toBe(0);

        const decisions = [...out.seq.tracks.values()].map((t) => t.state.decision);
        if (out.decidedWave !== null) seen.decided++;
        else seen.exhausted++;
        if (decisions.includes('accept_h0_regression')) seen.regression++;
        if (decisions.includes('accept_h1_no_regression')) seen.noRegression++;
        if (!out.seq.canStop) seen.oneWave++;
        if (fleet.workerLost.size > 0) seen.lost++;
        if (fleet.staleRefused > 0) seen.stale++;
        if (out.speculative.generated > 0) seen.speculative++;
        if (fleet.restarted) seen.restarted++;
      }),
      { numRuns: 250, seed: 20261202 },
    );
    // The draws must reach every branch, or the property would prove less than it says.
    expect(seen.decided).toBeGreaterThan(20);
    expect(seen.exhausted).toBeGreaterThan(20);
    expect(seen.regression).toBeGreaterThan(10);
    expect(seen.noRegression).toBeGreaterThan(10);
    expect(seen.oneWave).toBeGreaterThan(5);
    expect(Math.min(seen.lost, seen.stale, seen.speculative, seen.restarted)).toBeGreaterThan(10);
  });

  it('wastes at most `lookahead` waves after a decision, and nothing at lookahead 0', () => {
    fc.assert(
      fc.property(caseSpec, fleetSpec, (cs, fs) => {
        const c = buildCase(cs);
        const { outcome } = runOnFleet(c, fs);
        expect(outcome.speculative.generated).toBeLessThanOrEqual(fs.lookahead * outcome.seq.waveSize);
        if (fs.lookahead === 0) expect(outcome.speculative).toEqual({ generated: 0, gpu_s: 0 });
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
