/**
 * One sample job of a fleet run, as the wave ledger (./ledger.ts) tracks it, and the durable facts a
 * coordinator keeps of it (a row of its tasks table) so that a restarted coordinator can rebuild the ledger.
 */
import { TemporalCIError } from '../../errors.js';
import { blankSampleRecord } from '../../runs/sample-runner.js';
import type { PlannedSample } from '../../runs/types.js';
import type { SampleRecord } from '../../schema/run.js';

/**
 * - `pending`: planned, not in the queue (beyond the dispatch window, or handed back by a lost lease);
 * - `queued`: in the queue, no worker holds it;
 * - `leased`: a worker holds it under lease number `attempt` (the fencing token of its heartbeats and result);
 * - `done`: its result is recorded (measured, a sample failure, or `worker_lost`), used by the run;
 * - `speculative`: it finished, but in a wave past the SPRT decision: GPU time spent, not part of the run;
 * - `cancelled`: not needed after the decision (never ran, aborted, or lost while aborting).
 */
export type JobState = 'pending' | 'queued' | 'leased' | 'done' | 'speculative' | 'cancelled';

const JOB_STATES: ReadonlySet<string> = new Set<JobState>([
  'pending',
  'queued',
  'leased',
  'done',
  'speculative',
  'cancelled',
]);

/** What a coordinator stores per job; everything else (position, wave) follows from the plan. */
export interface JobFacts {
  sample_id: string;
  state: JobState;
  /** Leases granted so far; while leased, the current lease's number. */
  attempt: number;
  /** Leases that expired (the worker died or stalled): infrastructure, never in the SampleRecord. */
  lost: number;
  /** The lease whose result was recorded (null: none, or the sample became `worker_lost`). */
  recorded_attempt: number | null;
  /** After a decision: the worker holding the job was told to abort it. */
  abort_requested: boolean;
  record: SampleRecord | null;
  /** Seconds the worker held a GPU for this job (finished or aborted). */
  gpu_s: number;
}

export interface Job extends JobFacts {
  planned: PlannedSample;
  /** Position in the generation order. */
  seq: number;
  /** 0-based wave. */
  wave: number;
}

export function freshJob(planned: PlannedSample, seq: number, wave: number): Job {
  return {
    planned,
    seq,
    wave,
    sample_id: planned.sampleId,
    state: 'pending',
    attempt: 0,
    lost: 0,
    recorded_attempt: null,
    abort_requested: false,
    record: null,
    gpu_s: 0,
  };
}

export function factsOf(job: Job): JobFacts {
  const { planned: _p, seq: _s, wave: _w, ...facts } = job;
  return { ...facts };
}

function corrupt(message: string): TemporalCIError {
  return new TemporalCIError('STORE_CORRUPT', message, {
    hint: "the coordinator's tasks table does not match the run's plan; re-run the suite as a new run",
  });
}

/** Lays stored facts over a fresh job, refusing facts that no sequence of ledger operations could give. */
export function applyFacts(job: Job, facts: JobFacts): void {
  if (!JOB_STATES.has(facts.state)) throw corrupt(`job ${facts.sample_id} has unknown state ${facts.state}`);
  const counts = [facts.attempt, facts.lost, facts.gpu_s];
  if (!counts.every((n) => Number.isFinite(n) && n >= 0) || facts.lost > facts.attempt) {
    throw corrupt(
      `job ${facts.sample_id} has impossible counts (attempt ${facts.attempt}, lost ${facts.lost})`,
    );
  }
  const hasRecord = facts.record !== null;
  if (hasRecord !== (facts.state === 'done' || facts.state === 'speculative')) {
    throw corrupt(`job ${facts.sample_id} is ${facts.state} ${hasRecord ? 'with' : 'without'} a result`);
  }
  if (hasRecord && facts.record?.sample_id !== facts.sample_id) {
    throw corrupt(`job ${facts.sample_id} holds the result of sample ${facts.record?.sample_id}`);
  }
  Object.assign(job, facts);
}

/**
 * The sample error of a job whose every lease was lost. Locally the whole run would have died with the
 * machine; on a fleet the run goes on and counts it as a failed sample, like an adapter that failed its
 * retries (`run.max_failed_ratio` applies). `attempts` stays 0: no generation attempt came back.
 */
export function workerLostRecord(planned: PlannedSample, lost: number): SampleRecord {
  return {
    ...blankSampleRecord(planned),
    error: {
      stage: 'worker_lost',
      code: 'WORKER_LOST',
      message: `${lost} lease(s) of this sample expired: each worker that took it died or stalled past its lease (raise max_attempts or TEMPORALCI_TASK_LEASE_SEC if the model is slow)`,
    },
  };
}
