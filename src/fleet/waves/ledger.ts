/**
 * The coordinator's wave logic for one fleet run, as a pure state machine (no I/O, no clock): which sample
 * jobs may be enqueued, what a result or a lost lease means, when a wave is evaluated, and what a decision
 * cancels. The SPRT verdict of a fleet run must equal a local run of the same suite and baseline, so:
 *
 * - the ledger is built from the local run's own plan (`PreparedRun.order` and `.seq`: generation order,
 *   pairable-first, `run.wave_size` — a suite setting, never the fleet size) and cuts it with the same
 *   `splitWaves`;
 * - wave k is evaluated only once waves 1..k are all in, strictly in order, through the same
 *   `evaluateWave` the local loop calls, with the records fed in generation order, whatever order the
 *   workers finished in;
 * - the lookahead only decides how far ahead jobs are enqueued: results past the decided wave are
 *   speculative (GPU time counted, never part of `samples`), so it changes cost, never the verdict.
 *
 * A lost lease is infrastructure, not the sample's fault: the job is handed back, and only after
 * `maxAttempts` lost leases does it become a sample error at stage `worker_lost`.
 */
import { TemporalCIError } from '../../errors.js';
import { evaluateWave, type SequentialState, splitWaves } from '../../runs/sequential.js';
import type { PlannedSample } from '../../runs/types.js';
import type { SampleRecord } from '../../schema/run.js';
import type { GateConfig } from '../../schema/suite.js';
import {
  applyFacts,
  factsOf,
  freshJob,
  type Job,
  type JobFacts,
  type JobState,
  workerLostRecord,
} from './jobs.js';

/** Waves enqueued beyond the one being completed: GPUs stay busy at a barrier; at most this many are wasted. */
export const DEFAULT_LOOKAHEAD = 1;
/** Lost leases a sample may have before it becomes a `worker_lost` error. */
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface LedgerPlan {
  /** This session's generation order (`PreparedRun.order`). */
  order: readonly PlannedSample[];
  /** A fresh `startSequential` over `order` (`PreparedRun.seq`); the ledger advances it, as the loop does. */
  seq: SequentialState;
  gates: readonly GateConfig[];
  /** Samples reused from earlier sessions (`PreparedRun.reused`): fed first, as locally. */
  reused: readonly SampleRecord[];
  maxAttempts?: number;
}

/** What stopping asks of the coordinator: drop these queued jobs, tell these leased ones to abort. */
export interface Cancellation {
  cancel: string[];
  abort: { sampleId: string; attempt: number }[];
}

export interface Decision extends Cancellation {
  /** 1-based wave after which every SPRT gate had decided. */
  wave: number;
}

export interface Advance {
  /** Waves evaluated by this call (1-based), in order: the progress a coordinator reports. */
  evaluated: number[];
  /** Set by the call that decided; null otherwise (also once the plan ran out undecided). */
  decision: Decision | null;
}

/**
 * `recorded`: used by the run; `speculative`: past the decision, counted as waste; `duplicate`: this lease's
 * result is already in (a retried complete: answer as for the first); `stale`: not the live lease (a zombie):
 * refuse it, record nothing.
 */
export type CompleteResult = 'recorded' | 'speculative' | 'duplicate' | 'stale';
/** `requeue`: enqueue it again; `failed`: it became a `worker_lost` error; `cancelled`: not needed any more. */
export type LostResult = 'requeue' | 'failed' | 'cancelled' | 'stale';

/** What the local loop would have produced: the inputs of the run record (`WaveOutcome.samples`, `seq`). */
export interface LedgerOutcome {
  /** Reused samples, then every sample of the evaluated waves, in generation order. */
  samples: SampleRecord[];
  seq: SequentialState;
  /** 1-based wave of the decision; null when the plan ran out first. */
  decidedWave: number | null;
  /** Work finished or aborted after the decision: counted, outside `samples`. */
  speculative: { generated: number; gpu_s: number };
  /** Leases that expired, over all jobs (redeliveries). */
  lostLeases: number;
  /** Stopped by `interrupt()`: no verdict; `samples` holds every result recorded, for `run --resume`. */
  interrupted: boolean;
}

function internal(message: string): TemporalCIError {
  return new TemporalCIError('INTERNAL', message);
}

export class WaveLedger {
  private readonly seq: SequentialState;
  private readonly waves: Job[][];
  private readonly jobs = new Map<string, Job>();
  private readonly maxAttempts: number;
  /** Reused samples and the records of the evaluated waves, in generation order: what `evaluateWave` reads. */
  private readonly used: SampleRecord[];
  private decided: number | null = null;
  private interrupted = false;

  constructor(private readonly plan: LedgerPlan) {
    this.seq = plan.seq;
    if (this.seq.waves !== 0)
      throw internal('a wave ledger needs a fresh sequential state (no wave evaluated)');
    this.maxAttempts = plan.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1)) {
      throw new TemporalCIError('USAGE', `max_attempts must be an integer >= 1, got ${this.maxAttempts}`, {
        hint: 'how many lost leases a sample may have before it counts as failed; default 3',
      });
    }
    this.waves = splitWaves(plan.order, this.seq.waveSize).map((wave, k) =>
      wave.map((p, i) => freshJob(p, k * this.seq.waveSize + i, k)),
    );
    for (const job of this.waves.flat()) {
      if (this.jobs.has(job.sample_id)) throw internal(`sample ${job.sample_id} is planned twice`);
      this.jobs.set(job.sample_id, job);
    }
    this.used = [...plan.reused];
  }

  /**
   * A ledger for a restarted coordinator: the same plan (a fresh `seq`), the stored facts of its jobs. Wave
   * evaluation is a pure recomputation, so `advance()` then re-derives the evaluated waves and the decision.
   */
  static restore(plan: LedgerPlan, facts: readonly JobFacts[]): WaveLedger {
    const ledger = new WaveLedger(plan);
    for (const f of facts) {
      const job = ledger.jobs.get(f.sample_id);
      if (job === undefined) {
        throw new TemporalCIError('STORE_CORRUPT', `stored job ${f.sample_id} is not in the run's plan`, {
          hint: "the coordinator's tasks table does not match the run's plan; re-run the suite as a new run",
        });
      }
      applyFacts(job, f);
    }
    return ledger;
  }

  /** Every job's facts, in generation order: what a coordinator persists. */
  facts(): JobFacts[] {
    return this.waves.flat().map(factsOf);
  }

  stateOf(sampleId: string): JobState {
    return this.job(sampleId).state;
  }

  /** Waves evaluated so far. */
  get evaluatedWaves(): number {
    return this.seq.waves;
  }

  get waveCount(): number {
    return this.waves.length;
  }

  /** 0-based wave of a sample. */
  waveOf(sampleId: string): number {
    return this.job(sampleId).wave;
  }

  /** Nothing more will be evaluated: the SPRT gates decided, all waves are in, or the run was interrupted. */
  get finished(): boolean {
    return this.interrupted || this.decided !== null || this.seq.waves === this.waves.length;
  }

  /** Finished, and no job is still queued or held by a worker (late results would only be speculative). */
  get settled(): boolean {
    return (
      this.finished && this.waves.every((w) => w.every((j) => j.state !== 'queued' && j.state !== 'leased'))
    );
  }

  /**
   * The pending jobs that may be enqueued now, in generation order: those of the wave being completed and of
   * the `lookahead` waves after it, never further; none once the verdict is known.
   */
  dispatchable(lookahead = DEFAULT_LOOKAHEAD): PlannedSample[] {
    if (!(Number.isInteger(lookahead) && lookahead >= 0)) {
      throw new TemporalCIError('USAGE', `lookahead must be an integer >= 0, got ${lookahead}`, {
        hint: 'the waves enqueued beyond the one being completed; default 1',
      });
    }
    if (this.finished) return [];
    const end = Math.min(this.waves.length, this.seq.waves + 1 + lookahead);
    const out: PlannedSample[] = [];
    for (const wave of this.waves.slice(this.seq.waves, end)) {
      for (const job of wave) if (job.state === 'pending') out.push(job.planned);
    }
    return out;
  }

  /** The job is in the queue now. False: a decision came in between, do not run it (drop it from the queue). */
  markQueued(sampleId: string): boolean {
    const job = this.job(sampleId);
    if (job.state === 'pending') job.state = 'queued';
    else if (job.state === 'cancelled') return false;
    else if (job.state !== 'queued') throw internal(`sample ${sampleId} enqueued while ${job.state}`);
    return true;
  }

  /** A worker takes the job: its lease number (the fencing token), or null when it must not run it. */
  claim(sampleId: string): number | null {
    const job = this.job(sampleId);
    if (job.state !== 'queued') return null;
    job.state = 'leased';
    job.attempt += 1;
    return job.attempt;
  }

  /** A worker's result under lease `attempt`. Records it at most once; never overwrites. */
  complete(sampleId: string, attempt: number, record: SampleRecord, gpuS: number): CompleteResult {
    const job = this.job(sampleId);
    if (record.sample_id !== sampleId) {
      throw internal(`the result of sample ${record.sample_id} was reported for job ${sampleId}`);
    }
    checkSeconds(gpuS);
    if (job.state !== 'leased' || job.attempt !== attempt) {
      return job.recorded_attempt === attempt ? 'duplicate' : 'stale';
    }
    job.record = record;
    job.recorded_attempt = attempt;
    job.gpu_s = gpuS;
    job.state = this.pastDecision(job) ? 'speculative' : 'done';
    return job.state === 'done' ? 'recorded' : 'speculative';
  }

  /** Lease `attempt` expired without a result. */
  lost(sampleId: string, attempt: number): LostResult {
    const job = this.job(sampleId);
    if (job.state !== 'leased' || job.attempt !== attempt) return 'stale';
    job.lost += 1;
    if (job.abort_requested || this.pastDecision(job)) {
      job.state = 'cancelled';
      return 'cancelled';
    }
    if (job.lost >= this.maxAttempts) {
      job.record = workerLostRecord(job.planned, job.lost);
      job.state = 'done';
      return 'failed';
    }
    job.state = 'pending';
    return 'requeue';
  }

  /** The worker stopped a job it was told to abort, after `gpuS` seconds of GPU time. */
  aborted(sampleId: string, attempt: number, gpuS: number): 'cancelled' | 'stale' {
    const job = this.job(sampleId);
    checkSeconds(gpuS);
    if (job.state !== 'leased' || job.attempt !== attempt || !job.abort_requested) return 'stale';
    job.state = 'cancelled';
    job.gpu_s = gpuS;
    return 'cancelled';
  }

  /**
   * Evaluates every wave whose samples are all in and whose predecessors are evaluated, in order. A wave
   * that completed out of order waits here until the ones before it are in.
   */
  advance(): Advance {
    const evaluated: number[] = [];
    while (!this.finished) {
      const k = this.seq.waves;
      const wave = this.waves[k]!;
      if (!wave.every((j) => j.state === 'done')) break;
      for (const job of wave) this.used.push(job.record as SampleRecord);
      const stop = evaluateWave(this.seq, this.plan.gates, this.waves, k, this.used);
      evaluated.push(k + 1);
      if (stop) {
        this.decided = k + 1;
        return { evaluated, decision: { wave: k + 1, ...this.cancelFrom(k + 1, 'speculative') } };
      }
    }
    return { evaluated, decision: null };
  }

  /**
   * The run is stopped (Ctrl-C on the submitting command, an admin cancel): nothing more is dispatched or
   * evaluated, queued jobs are cancelled, leased ones aborted. A result that still comes in on a live lease is
   * recorded: like every finished sample of a local run, it is kept for `run --resume`. The stored facts do
   * not say a run was interrupted: the coordinator keeps the run's status and interrupts a restored ledger
   * again. No-op once the verdict is known.
   */
  interrupt(): Cancellation {
    if (this.finished) return { cancel: [], abort: [] };
    this.interrupted = true;
    return this.cancelFrom(this.seq.waves, 'done');
  }

  /** What the local loop would have produced; only once nothing more will be evaluated. */
  outcome(): LedgerOutcome {
    if (!this.finished)
      throw internal(`the run is not decided: ${this.seq.waves} of ${this.waves.length} waves in`);
    const all = this.waves.flat();
    // An interrupted run keeps what finished past the evaluated waves, as a local run's sample log does.
    const unevaluated = this.interrupted ? this.waves.slice(this.seq.waves).flat() : [];
    const kept = unevaluated.filter((j) => j.state === 'done').map((j) => j.record as SampleRecord);
    const wasted = all.filter((j) => j.state === 'speculative' || j.state === 'cancelled');
    return {
      samples: [...this.used, ...kept],
      seq: this.seq,
      decidedWave: this.decided,
      speculative: {
        generated: wasted.filter((j) => j.state === 'speculative').length,
        gpu_s: wasted.reduce((s, j) => s + j.gpu_s, 0),
      },
      lostLeases: all.reduce((s, j) => s + j.lost, 0),
      interrupted: this.interrupted,
    };
  }

  /** Stops every job from wave `first` (0-based) on; results already in become `finished`. */
  private cancelFrom(first: number, finished: 'done' | 'speculative'): Cancellation {
    const decision: Cancellation = { cancel: [], abort: [] };
    for (const job of this.waves.slice(first).flat()) {
      if (job.state === 'pending') job.state = 'cancelled';
      else if (job.state === 'queued') {
        job.state = 'cancelled';
        decision.cancel.push(job.sample_id);
      } else if (job.state === 'leased') {
        job.abort_requested = true;
        decision.abort.push({ sampleId: job.sample_id, attempt: job.attempt });
      } else if (job.state === 'done') job.state = finished;
    }
    return decision;
  }

  private pastDecision(job: Job): boolean {
    return this.decided !== null && job.wave >= this.decided;
  }

  private job(sampleId: string): Job {
    const job = this.jobs.get(sampleId);
    if (job === undefined) throw internal(`sample ${sampleId} is not in this run's plan`);
    return job;
  }
}

function checkSeconds(s: number): void {
  if (!(Number.isFinite(s) && s >= 0)) throw internal(`GPU seconds must be finite and >= 0, got ${s}`);
}
