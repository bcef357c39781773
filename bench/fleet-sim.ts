/**
 * The fleet simulator of the property tests (test/unit/fleet/sim.ts) as a throughput figure: 200 simulated
 * workers driving the coordinator's wave logic (`WaveLedger`: claim, complete, lost leases, advance) against
 * 1 simulated worker on the same plan, in the same run. The simulator is synchronous and in-process, so this
 * is the ledger's own cost per sample (plus the simulator's bookkeeping), not Postgres, Redis or HTTP.
 *
 *   npm run bench -- fleet
 */
import { buildCase, type CaseSpec, type FleetSpec, runOnFleet } from '../test/unit/fleet/sim.js';
import type { BenchResult } from './types.js';

const SAMPLES = 2000;
const REPEATS = 5;

const CASE: CaseSpec = {
  seed: 7,
  samples: SAMPLES,
  waveSize: 50,
  shift: 0,
  withBaseline: false, // nothing can stop early: one wave, every sample dispatchable at once
  baselineSkips: false,
  resumed: false,
  twoSprtGates: false,
  fullSetGate: false,
  sigmaMode: 'fixed',
  maxPairs: null,
  atMaxPairsSign: false,
};

const FLEET: FleetSpec = {
  seed: 11,
  workers: 200,
  lookahead: 1,
  maxAttempts: 3,
  kills: [0],
  zombieRate: 0,
  ignoreAbortRate: 0,
  restartAfter: -1,
};

/** Median samples per second of the simulated fleet over REPEATS runs (after one warm-up). */
function throughput(c: ReturnType<typeof buildCase>, f: FleetSpec): number {
  const rates: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const t0 = performance.now();
    const run = runOnFleet(c, { ...f, seed: f.seed + i });
    const s = (performance.now() - t0) / 1000;
    const accepted = [...run.accepted.values()].reduce((a, b) => a + b, 0) + run.workerLost.size;
    if (accepted !== SAMPLES)
      throw new Error(`the simulated fleet settled ${accepted} of ${SAMPLES} samples`);
    if (i > 0) rates.push(SAMPLES / s);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

export function benchFleetSim(): BenchResult[] {
  const c = buildCase(CASE);
  const one = throughput(c, { ...FLEET, workers: 1 });
  const many = throughput(c, FLEET);
  // Every 4th sample loses its first lease and half of those workers come back as zombies.
  const lossy = throughput(c, { ...FLEET, kills: [0, 0, 0, 1], zombieRate: 0.5 });
  const note = `${SAMPLES} samples, median of ${REPEATS}; ledger only, no I/O`;
  return [
    { name: 'simulator: 1 worker (reference)', value: one, unit: 'samples/s', note },
    {
      name: 'simulator: 200 workers',
      value: many,
      unit: 'samples/s',
      reference: one,
      ratio: many / one,
      note,
    },
    {
      name: 'simulator: 200 workers, 1 in 4 leases lost',
      value: lossy,
      unit: 'samples/s',
      reference: one,
      ratio: lossy / one,
      note: `${note}; half the losers report late (stale)`,
    },
  ];
}
