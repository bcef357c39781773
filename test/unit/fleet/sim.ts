/**
 * Test support for the wave ledger: a seeded run case (plan, baseline, gates, per-sample results), the local
 * reference (the engine's own `executeWaves` over an in-memory executor and the in-memory store), and a
 * simulated fleet (workers that claim, finish in random order, lose leases, come back as zombies, ignore
 * aborts, and a coordinator that may restart) driving a `WaveLedger`.
 */

import { workerLostRecord } from '../../../src/fleet/waves/jobs.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  type Decision,
  type LedgerOutcome,
  type LedgerPlan,
  WaveLedger,
} from '../../../src/fleet/waves/ledger.js';
import type { ModelRunOptions } from '../../../src/runs/prepare.js';
import {
  generationOrder,
  pairableFirst,
  type SequentialState,
  startSequential,
} from '../../../src/runs/sequential.js';
import type { PlannedSample } from '../../../src/runs/types.js';
import { executeWaves } from '../../../src/runs/waves.js';
import type { MeasuredRun } from '../../../src/schema/measured.js';
import type { SampleRecord } from '../../../src/schema/run.js';
import { type GateConfig, gateSchema } from '../../../src/schema/suite.js';
import { createRng, type Rng } from '../../../src/stats/random.js';
import { MemoryRunStore } from '../../../src/store/memory.js';

const VIDEO = { num_frames: 4, fps: 8, width: 16, height: 16 };

export interface RunCase {
  planned: PlannedSample[];
  /** This session's generation order and its samples reused from an earlier session. */
  order: PlannedSample[];
  reused: SampleRecord[];
  baseline: MeasuredRun | null;
  gates: GateConfig[];
  waveSize: number;
  /** The record a worker (or the local machine) produces for each sample. */
  results: Map<string, SampleRecord>;
  isPerSample: (metricPath: string) => boolean;
}

function gate(g: Record<string, unknown>): GateConfig {
  return gateSchema.parse(g);
}

export function sprtGate(metric: string, params: Record<string, unknown> = {}): GateConfig {
  return gate({
    metric,
    op: '>=',
    value: 0,
    method: 'sprt_regression',
    params: { sigma_mode: 'fixed', sigma: 0.04, effect_size: 0.03, min_pairs: 4, ...params },
  });
}

export function planOf(n: number): PlannedSample[] {
  return Array.from({ length: n }, (_, i) => ({
    sampleId: `s${i}`,
    testId: 't',
    prompt: `p${i % 5}`,
    seed: Math.floor(i / 5),
    video: VIDEO,
  }));
}

export function sampleRecord(p: PlannedSample, values: Record<string, number> | null): SampleRecord {
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
    error:
      values === null ? { stage: 'generate', code: 'ADAPTER_FAILED', message: 'adapter exited 1' } : null,
    metrics: values === null ? {} : { m: values },
    metadata: {},
  };
}

/** Everything a run case is drawn from: fast-check draws these, a seeded generator does the rest. */
export interface CaseSpec {
  seed: number;
  samples: number;
  waveSize: number;
  /** The candidate's true shift: 0 no change, negative a regression (δ is 0.03). */
  shift: number;
  withBaseline: boolean;
  /** The baseline stopped early: it lacks some samples, which then come last (pairable-first). */
  baselineSkips: boolean;
  /** An earlier session of this run finished some samples. */
  resumed: boolean;
  twoSprtGates: boolean;
  /** A gate on a run-level value: the run cannot stop early and is one wave. */
  fullSetGate: boolean;
  sigmaMode: 'fixed' | 'estimate';
  maxPairs: number | null;
  atMaxPairsSign: boolean;
}

export function buildCase(spec: CaseSpec): RunCase {
  const rng = createRng(spec.seed);
  const planned = planOf(spec.samples);
  const base = new Map(planned.map((p) => [p.sampleId, 0.5 + 0.04 * rng.normal()]));
  const other = new Map(planned.map((p) => [p.sampleId, 0.7 + 0.04 * rng.normal()]));
  const skipped = new Set(
    spec.baselineSkips ? planned.filter(() => rng.next() < 0.25).map((p) => p.sampleId) : [],
  );
  const baseline: MeasuredRun | null = spec.withBaseline
    ? {
        samples: planned
          .filter((p) => !skipped.has(p.sampleId))
          .map((p) => ({
            sample_id: p.sampleId,
            prompt: p.prompt,
            seed: p.seed,
            metrics: { m: { score: base.get(p.sampleId)!, other: other.get(p.sampleId)! } },
          })),
        metrics: {},
        ...(skipped.size > 0 ? { skipped_samples: [...skipped].map((sample_id) => ({ sample_id })) } : {}),
      }
    : null;
  const results = new Map<string, SampleRecord>();
  for (const p of planned) {
    const failed = rng.next() < 0.05;
    const score = base.get(p.sampleId)! + spec.shift + 0.03 * rng.normal();
    const second = other.get(p.sampleId)! + 0.03 * rng.normal();
    results.set(p.sampleId, sampleRecord(p, failed ? null : { score, other: second }));
  }
  const params: Record<string, unknown> = { sigma_mode: spec.sigmaMode };
  if (spec.maxPairs !== null) params.max_pairs = Math.max(4, spec.maxPairs);
  if (spec.maxPairs !== null && spec.atMaxPairsSign) params.at_max_pairs = 'sign';
  const gates = [sprtGate('m.score', params)];
  if (spec.twoSprtGates) gates.push(sprtGate('m.other', { ...params, effect_size: 0.04 }));
  gates.push(gate({ metric: 'm.score', op: '>=', value: 0.1 }));
  if (spec.fullSetGate) gates.push(gate({ metric: 'run.count', op: '>=', value: 0 }));
  const reusedIds = new Set(
    spec.resumed ? planned.filter(() => rng.next() < 0.2).map((p) => p.sampleId) : [],
  );
  const reused = planned.filter((p) => reusedIds.has(p.sampleId)).map((p) => results.get(p.sampleId)!);
  const fullOrder = pairableFirst(generationOrder(planned, spec.seed), baseline);
  return {
    planned,
    order: fullOrder.filter((p) => !reusedIds.has(p.sampleId)),
    reused,
    baseline,
    gates,
    waveSize: spec.waveSize,
    results,
    isPerSample: (metricPath) => metricPath.startsWith('m.'),
  };
}

function freshSeq(c: RunCase): SequentialState {
  return startSequential(c.gates, c.baseline, c.order, c.waveSize, c.isPerSample);
}

function ledgerPlan(c: RunCase, maxAttempts = DEFAULT_MAX_ATTEMPTS): LedgerPlan {
  return { order: c.order, seq: freshSeq(c), gates: c.gates, reused: c.reused, maxAttempts };
}

/** What the local loop put in the run: its samples and its sequential state. */
export interface LocalResult {
  samples: SampleRecord[];
  seq: SequentialState;
}

/**
 * The local run of the case: the engine's wave loop itself, with an executor that answers each sample with
 * its result (`override` replaces some, e.g. samples whose leases a fleet kept losing), shuffled in time.
 */
export async function runLocally(
  c: RunCase,
  override = new Map<string, SampleRecord>(),
): Promise<LocalResult> {
  const seq = freshSeq(c);
  const rng = createRng(c.order.length * 7919 + c.waveSize);
  const opts: ModelRunOptions = {
    baselineMode: { kind: 'none' },
    gates: c.gates,
    workers: 3,
    retries: 0,
    timeoutS: undefined,
    maxFailedRatio: 1,
    sampleLimit: undefined,
    ignoreRegression: false,
    deadlineS: undefined,
    onDeadline: 'error',
    tag: undefined,
    signal: new AbortController().signal,
  };
  const key = { project: 'p', suite: 's', model: 'm', runId: 'r' };
  const executor = {
    run: async (p: PlannedSample) => {
      // Samples of a wave finish in any order; the loop must still feed them in generation order.
      for (let i = rng.int(4); i > 0; i--) await Promise.resolve();
      return override.get(p.sampleId) ?? c.results.get(p.sampleId)!;
    },
    close: async () => undefined,
  };
  const hooks = { onSample: async () => undefined, onWave: async () => undefined };
  const run = { opts, key, planned: c.planned, order: c.order, reused: c.reused, seq };
  const outcome = await executeWaves(run, executor, new MemoryRunStore(), hooks);
  if (outcome.error !== null) throw new Error(outcome.error);
  return { samples: outcome.samples, seq };
}

/** How the simulated fleet behaves. */
export interface FleetSpec {
  seed: number;
  workers: number;
  lookahead: number;
  maxAttempts: number;
  /** Per sample (by index in the plan): leases lost before one succeeds. */
  kills: number[];
  /** Chance that a lost lease's worker comes back later and reports its stale result. */
  zombieRate: number;
  /** Chance that a worker told to abort finishes anyway (its result is speculative). */
  ignoreAbortRate: number;
  /** Restart the coordinator after this many events (rebuild the ledger from its facts); -1 never. */
  restartAfter: number;
}

/** What the simulation observed, for the invariants. */
export interface FleetRun {
  outcome: LedgerOutcome;
  decision: Decision | null;
  /** Samples that became `worker_lost` errors. */
  workerLost: Set<string>;
  /** Results accepted (recorded or speculative) per sample. */
  accepted: Map<string, number>;
  staleRefused: number;
  restarted: boolean;
  /** Violations of the dispatch window or of "nothing new after a decision", as messages. */
  windowViolations: string[];
}

interface Lease {
  id: string;
  attempt: number;
}

/** Drives a ledger with a simulated fleet until the verdict is known and no job is out. */
export function runOnFleet(c: RunCase, f: FleetSpec): FleetRun {
  const rng: Rng = createRng(f.seed);
  let ledger = new WaveLedger(ledgerPlan(c, f.maxAttempts));
  const kills = new Map(c.planned.map((p, i) => [p.sampleId, f.kills[i % f.kills.length] ?? 0]));
  const run: FleetRun = {
    outcome: undefined as unknown as LedgerOutcome,
    decision: null,
    workerLost: new Set(),
    accepted: new Map(),
    staleRefused: 0,
    restarted: false,
    windowViolations: [],
  };
  const queue: string[] = [];
  const running: Lease[] = [];
  const zombies: Lease[] = [];
  const aborting = new Set<string>();
  const onDecision = (d: Decision | null) => {
    if (d === null) return;
    if (run.decision !== null && run.decision.wave !== d.wave)
      run.windowViolations.push(`decided at wave ${d.wave} after a restart, at ${run.decision.wave} before`);
    run.decision ??= d;
    // The queue may not drop every cancelled job (a race with a claim): the ledger refuses those claims.
    for (const id of d.cancel) if (rng.next() < 0.7 && queue.includes(id)) queue.splice(queue.indexOf(id), 1);
    for (const a of d.abort) aborting.add(`${a.sampleId}#${a.attempt}`);
  };
  const enqueue = () => {
    const wasFinished = ledger.finished;
    for (const p of ledger.dispatchable(f.lookahead)) {
      const wave = ledger.waveOf(p.sampleId);
      if (wasFinished) run.windowViolations.push(`${p.sampleId} dispatchable after the verdict`);
      if (wave > ledger.evaluatedWaves + f.lookahead)
        run.windowViolations.push(
          `${p.sampleId} of wave ${wave + 1} with ${ledger.evaluatedWaves} evaluated`,
        );
      if (ledger.markQueued(p.sampleId)) queue.push(p.sampleId);
    }
  };
  const finish = (lease: Lease) => {
    const gpu = 1 + rng.int(5);
    const record = c.results.get(lease.id)!;
    if (aborting.has(`${lease.id}#${lease.attempt}`) && rng.next() >= f.ignoreAbortRate) {
      expectEqual(ledger.aborted(lease.id, lease.attempt, gpu), 'cancelled', `abort of ${lease.id}`);
      return;
    }
    const left = kills.get(lease.id)!;
    if (left > 0) {
      kills.set(lease.id, left - 1);
      const lost = ledger.lost(lease.id, lease.attempt);
      if (lost === 'failed') run.workerLost.add(lease.id);
      if (lost === 'stale')
        throw new Error(`the live lease ${lease.id}#${lease.attempt} was refused as lost`);
      if (rng.next() < f.zombieRate) zombies.push(lease);
      return;
    }
    const result = ledger.complete(lease.id, lease.attempt, record, gpu);
    if (result === 'stale' || result === 'duplicate')
      throw new Error(`the live lease of ${lease.id} was refused`);
    run.accepted.set(lease.id, (run.accepted.get(lease.id) ?? 0) + 1);
    // A worker that lost the coordinator retries its complete: idempotent, never a second record.
    if (rng.next() < 0.1)
      expectEqual(ledger.complete(lease.id, lease.attempt, record, gpu), 'duplicate', 'retry');
  };
  let events = 0;
  for (;;) {
    enqueue();
    if (ledger.settled && running.length === 0 && zombies.length === 0) break;
    if (++events > 100_000) throw new Error('the simulated fleet made no progress');
    if (events === f.restartAfter) {
      // A restarted coordinator has the stored facts only; it re-derives the waves and the decision.
      ledger = WaveLedger.restore(ledgerPlan(c, f.maxAttempts), ledger.facts());
      run.restarted = true;
      onDecision(ledger.advance().decision);
      continue;
    }
    const canClaim = queue.length > 0 && running.length < f.workers;
    const pick = rng.next();
    if (zombies.length > 0 && pick < 0.1) {
      const z = zombies.splice(rng.int(zombies.length), 1)[0]!;
      expectEqual(ledger.complete(z.id, z.attempt, c.results.get(z.id)!, 1), 'stale', `zombie ${z.id}`);
      run.staleRefused++;
    } else if (canClaim && (running.length === 0 || pick < 0.55)) {
      const id = queue.shift()!;
      const attempt = ledger.claim(id);
      if (attempt !== null) running.push({ id, attempt });
    } else if (running.length > 0) {
      finish(running.splice(rng.int(running.length), 1)[0]!);
      onDecision(ledger.advance().decision);
    } else if (zombies.length === 0 && !canClaim) {
      throw new Error('nothing is running or queued, yet the ledger is not settled');
    }
  }
  run.outcome = ledger.outcome();
  return run;
}

/**
 * The samples whose every lease the fleet loses, as the local run must see them: failed samples with the
 * record the ledger makes. Decided by the spec alone, whatever the fleet's timing.
 */
export function lostForever(c: RunCase, f: FleetSpec): Map<string, SampleRecord> {
  const out = new Map<string, SampleRecord>();
  c.planned.forEach((p, i) => {
    if ((f.kills[i % f.kills.length] ?? 0) >= f.maxAttempts)
      out.set(p.sampleId, workerLostRecord(p, f.maxAttempts));
  });
  return out;
}

function expectEqual<T>(got: T, want: T, what: string): void {
  if (got !== want) throw new Error(`${what}: got ${String(got)}, expected ${String(want)}`);
}

/** The per-gate SPRT trace, serialised: JSON writes each double exactly, so equal text is bit-equal. */
export function traceOf(seq: SequentialState): string {
  const gates = [...seq.tracks.entries()].map(([i, t]) => ({
    gate: i,
    decision: t.state.decision,
    decided_at: t.state.decided_at,
    n: t.state.n,
    sum: t.state.sum,
    mean: t.state.mean,
    m2: t.state.m2,
    llr: t.state.llr,
    waves: t.state.waves,
  }));
  return JSON.stringify({ waves: seq.waves, stopped: seq.stoppedEarly, gates });
}
