/**
 * Sequential generation: samples are generated in waves, and after each wave every `sprt_regression` gate is
 * updated on all data generated so far. When every SPRT gate has decided and no other gate needs the full
 * set, generation stops and the remaining samples are skipped. GPU time is what video CI costs; a sequential
 * test only saves it if the runner actually stops.
 */

import { TemporalCIError } from '../errors.js';
import type { SeriesPoint } from '../gates/pairing.js';
import { gateMethod, isSequentialGate } from '../gates/registry.js';
import {
  advanceSprtTrack,
  pairableCurrent,
  reachableBaseline,
  type SprtTrack,
  seriesOf,
  sprtTrackDone,
  startSprtTrack,
} from '../gates/sprt-gate.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { SampleRecord } from '../schema/run.js';
import type { GateConfig } from '../schema/suite.js';
import { createRng } from '../stats/random.js';
import type { PlannedSample } from './types.js';

/**
 * A deterministic seeded shuffle (Fisher–Yates) of the plan, so the first waves span prompts and seeds
 * instead of all being the first prompt. Sample ids are unchanged; only the order of generation moves.
 */
export function generationOrder<T>(plan: readonly T[], seed: number): T[] {
  const out = [...plan];
  const rng = createRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Puts the samples the baseline has (it measured them) first, each group keeping its shuffled order. A
 * baseline that stopped early lacks the rest, and a candidate that generated one of those before the pairable
 * ones ran out would spend GPU time on a sample that can never pair (12 generated, 9 pairable: inconclusive).
 * The unpairable ones still come, last, when the test has not decided by then: they complete the series so
 * the next run can pair with all of it. Without a baseline the order is unchanged.
 */
export function pairableFirst<T extends { sampleId: string }>(
  order: readonly T[],
  baseline: Pick<MeasuredRun, 'samples'> | null,
): T[] {
  if (baseline === null) return [...order];
  const has = new Set(baseline.samples.map((s) => s.sample_id));
  return [...order.filter((p) => has.has(p.sampleId)), ...order.filter((p) => !has.has(p.sampleId))];
}

/** Why a gate needs every planned sample, or null when a subset suffices (its method says). */
function needsFullSet(gate: GateConfig, isPerSample: (metricPath: string) => boolean): string | null {
  return gateMethod(gate).fullSetReason(gate, isPerSample);
}

export interface SequentialState {
  waveSize: number;
  /** Index in `gates` → the SPRT gate's progress. Empty when there is no baseline. */
  tracks: Map<number, SprtTrack>;
  /** Stopping early is possible at all (SPRT gates with a baseline, and nothing needs the full set). */
  canStop: boolean;
  /** Why the run cannot stop early, when it has SPRT gates but cannot. */
  fullSetReason: string | null;
  waves: number;
  stoppedEarly: boolean;
  baselineSeries: Map<number, SeriesPoint[]>;
  baseline: MeasuredRun | null;
  plannedIds: Set<string>;
}

export function startSequential(
  gates: readonly GateConfig[],
  baseline: MeasuredRun | null,
  plan: readonly PlannedSample[],
  waveSize: number,
  isPerSample: (metricPath: string) => boolean,
): SequentialState {
  const tracks = new Map<number, SprtTrack>();
  const baselineSeries = new Map<number, SeriesPoint[]>();
  gates.forEach((g, i) => {
    if (!isSequentialGate(g) || baseline === null) return;
    tracks.set(i, startSprtTrack(g));
    baselineSeries.set(i, seriesOf(baseline, g.metric));
  });
  const hasSprt = gates.some(isSequentialGate);
  let fullSetReason: string | null = null;
  for (const g of gates) fullSetReason ??= needsFullSet(g, isPerSample);
  if (hasSprt && baseline === null) fullSetReason ??= 'no baseline to pair with';
  const canStop = tracks.size > 0 && fullSetReason === null;
  return {
    // When nothing can stop early, one wave keeps every worker busy to the end, as a plain run does.
    waveSize: canStop ? waveSize : Math.max(1, plan.length),
    tracks,
    canStop,
    fullSetReason: hasSprt ? fullSetReason : null,
    waves: 0,
    stoppedEarly: false,
    baselineSeries,
    baseline,
    plannedIds: new Set(plan.map((p) => p.sampleId)),
  };
}

/**
 * Update every SPRT gate with all samples attempted so far (in generation order) and say whether to stop.
 * Mutates `seq` (the engine's loop state); the statistics themselves are pure.
 */
export function afterWave(
  seq: SequentialState,
  gates: readonly GateConfig[],
  attempted: readonly SampleRecord[],
  remaining: number,
): boolean {
  seq.waves += 1;
  const measured = { samples: attempted.filter((s) => s.error === null), metrics: {} };
  const attemptedIds = new Set(attempted.map((s) => s.sample_id));
  for (const [i, track] of seq.tracks) {
    const gate = gates[i]!;
    const base = reachableBaseline(seq.baselineSeries.get(i) ?? [], attemptedIds, seq.plannedIds);
    const current = seq.baseline ? pairableCurrent(seriesOf(measured, gate.metric), seq.baseline) : [];
    seq.tracks.set(i, advanceSprtTrack(track, gate, current, base));
  }
  const decided = [...seq.tracks.values()].every(sprtTrackDone);
  if (seq.canStop && decided && remaining > 0) {
    seq.stoppedEarly = true;
    return true;
  }
  return false;
}

/**
 * The waves of a generation order: consecutive slices of `waveSize` samples, the last one possibly shorter.
 * The local loop (src/runs/waves.ts) and the fleet's wave ledger (src/fleet/waves) both cut the plan here,
 * so their look boundaries, and with them the SPRT's overshoot correction, are the same.
 */
export function splitWaves<T>(order: readonly T[], waveSize: number): T[][] {
  if (!(Number.isInteger(waveSize) && waveSize >= 1)) {
    throw new TemporalCIError('INTERNAL', `splitWaves needs an integer wave size >= 1, got ${waveSize}`);
  }
  const waves: T[][] = [];
  for (let start = 0; start < order.length; start += waveSize)
    waves.push(order.slice(start, start + waveSize));
  return waves;
}

/**
 * Evaluates wave `k` (0-based) of `waves` once every sample of waves 0..k has come back: `attempted` is the
 * reused samples then those waves' records, in generation order. Waves are evaluated strictly in order —
 * the decision after wave k depends on how the deltas split into waves — so an out-of-order call is a bug
 * of the caller. True means stop generating. Both the local loop and the fleet's ledger go through here.
 */
export function evaluateWave(
  seq: SequentialState,
  gates: readonly GateConfig[],
  waves: readonly (readonly unknown[])[],
  k: number,
  attempted: readonly SampleRecord[],
): boolean {
  if (k !== seq.waves || k >= waves.length) {
    throw new TemporalCIError(
      'INTERNAL',
      `wave ${k + 1} evaluated out of order: ${seq.waves} of ${waves.length} waves evaluated so far`,
    );
  }
  let remaining = 0;
  for (const w of waves.slice(k + 1)) remaining += w.length;
  return afterWave(seq, gates, attempted, remaining);
}
