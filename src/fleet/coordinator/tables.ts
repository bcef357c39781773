/**
 * The coordinator's statements over the fleet tables (src/store/postgres/schema-v3-fleet.ts). The lease
 * token is the fencing token: a complete, heartbeat or fail names it, and only the live lease's token
 * matches a task row; the complete ends the lease and writes the result in ONE statement
 * (../shared/reference/fleet.md §7.3), so no interleaving lets a zombie record a result.
 */
import type { PlannedSample } from '../../runs/types.js';
import type { SampleRecord } from '../../schema/run.js';
import type { Database } from '../../store/postgres/connection.js';
import type { RunKey } from '../../store/types.js';
import type { JobFacts, JobState } from '../waves/jobs.js';

export function runKeyText(run: RunKey): string {
  return [run.project, run.suite, run.model, run.runId].join('/');
}

export interface NewFleetRun {
  run: RunKey;
  submission: string;
  bundleSha256: string;
  suiteFile: string;
  /** What a restarted coordinator would need to re-plan (the options, the baseline, the order). */
  plan: unknown;
  tasks: { seq: number; wave: number; planned: PlannedSample }[];
}

export async function insertFleetRun(db: Database, r: NewFleetRun): Promise<void> {
  const key = runKeyText(r.run);
  await db.transaction(async (c) => {
    await c.query(
      `insert into fleet_runs (run_key, submission, project, suite, model, run_id, bundle_sha256, suite_file, state, plan)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9)`,
      [
        key,
        r.submission,
        r.run.project,
        r.run.suite,
        r.run.model,
        r.run.runId,
        r.bundleSha256,
        r.suiteFile,
        JSON.stringify(r.plan),
      ],
    );
    for (const t of r.tasks) {
      await c.query(
        `insert into fleet_tasks (run_key, seq, wave, sample_id, state) values ($1, $2, $3, $4, 'pending')`,
        [key, t.seq, t.wave, t.planned.sampleId],
      );
    }
  });
}

export async function setTaskState(
  db: Database,
  run: RunKey,
  sampleId: string,
  state: JobState,
): Promise<void> {
  await db.query('update fleet_tasks set state = $3 where run_key = $1 and sample_id = $2', [
    runKeyText(run),
    sampleId,
    state,
  ]);
}

/** The task is leased under `token`, lease number `attempt`. */
/**
 * Leases a task and saves the ledger that counted the claim, in one transaction: a coordinator that dies
 * between the two would leave a lease its successor's ledger does not know, and the worker's result
 * would be taken for a stale one.
 */
export async function leaseTask(
  db: Database,
  run: RunKey,
  sampleId: string,
  lease: { token: string; attempt: number; worker: string; seconds: number },
  ledger: readonly JobFacts[],
): Promise<void> {
  const key = runKeyText(run);
  await db.transaction(async (c) => {
    await c.query(
      `update fleet_tasks set state = 'leased', attempt = $3, lease_token = $4, leased_by = $5,
         lease_until = clock_timestamp() + make_interval(secs => $6), cancel_requested = false
       where run_key = $1 and sample_id = $2`,
      [key, sampleId, lease.attempt, lease.token, lease.worker, lease.seconds],
    );
    await c.query('update fleet_runs set ledger = $2 where run_key = $1', [key, JSON.stringify(ledger)]);
  });
}

export interface LiveLease {
  runKey: string;
  sampleId: string;
  seq: number;
  attempt: number;
  cancelRequested: boolean;
}

/** The task a token leases now, or null: the lease moved on, ended, or never was. */
export async function liveLease(db: Database, token: string): Promise<LiveLease | null> {
  const r = await db.query<{
    run_key: string;
    sample_id: string;
    seq: number;
    attempt: number;
    cancel_requested: boolean;
  }>(
    `select run_key, sample_id, seq, attempt, cancel_requested from fleet_tasks
     where lease_token = $1 and state = 'leased'`,
    [token],
  );
  const row = r.rows[0];
  return row === undefined
    ? null
    : {
        runKey: row.run_key,
        sampleId: row.sample_id,
        seq: row.seq,
        attempt: row.attempt,
        cancelRequested: row.cancel_requested,
      };
}

export async function extendLease(db: Database, token: string, seconds: number): Promise<void> {
  await db.query(
    `update fleet_tasks set lease_until = clock_timestamp() + make_interval(secs => $2)
     where lease_token = $1 and state = 'leased'`,
    [token, seconds],
  );
}

export interface FencedResult {
  record: SampleRecord;
  files: { name: string; size: number }[];
  gpuS: number;
  worker: string;
  used: boolean;
  state: 'done' | 'speculative';
}

/**
 * Ends the lease `token` and writes its result, or does nothing: 'written', 'duplicate' (this very lease's
 * result is already in: a retried complete), or 'stale' (another lease, or none: a zombie).
 */
export async function completeFenced(
  db: Database,
  token: string,
  res: FencedResult,
): Promise<'written' | 'duplicate' | 'stale'> {
  const r = await db.query<{ seq: number }>(
    `with t as (
       update fleet_tasks set state = $2, lease_token = lease_token
       where lease_token = $1 and state = 'leased'
       returning run_key, seq, sample_id, attempt, lease_token)
     insert into fleet_results (run_key, sample_id, seq, attempt, lease_token, worker, record, files, used, gpu_s)
     select run_key, sample_id, seq, attempt, lease_token, $3, $4, $5, $6, $7 from t
     on conflict do nothing
     returning seq`,
    [token, res.state, res.worker, JSON.stringify(res.record), JSON.stringify(res.files), res.used, res.gpuS],
  );
  if (r.rows.length === 1) return 'written';
  const dup = await db.query('select 1 from fleet_results where lease_token = $1', [token]);
  return dup.rows.length > 0 ? 'duplicate' : 'stale';
}

/** The result a lease recorded, or null. */
export async function resultOfLease(
  db: Database,
  token: string,
): Promise<{ runKey: string; sampleId: string; attempt: number } | null> {
  const r = await db.query<{ run_key: string; sample_id: string; attempt: number }>(
    'select run_key, sample_id, attempt from fleet_results where lease_token = $1',
    [token],
  );
  const row = r.rows[0];
  return row === undefined ? null : { runKey: row.run_key, sampleId: row.sample_id, attempt: row.attempt };
}

export async function winningFiles(
  db: Database,
  run: RunKey,
): Promise<Map<string, { attempt: number; files: { name: string; size: number }[] }>> {
  const r = await db.query<{ sample_id: string; attempt: number; files: { name: string; size: number }[] }>(
    'select sample_id, attempt, files from fleet_results where run_key = $1',
    [runKeyText(run)],
  );
  return new Map(r.rows.map((row) => [row.sample_id, { attempt: row.attempt, files: row.files }]));
}

export async function requestCancel(db: Database, run: RunKey, sampleIds: readonly string[]): Promise<void> {
  if (sampleIds.length === 0) return;
  await db.query(
    'update fleet_tasks set cancel_requested = true where run_key = $1 and sample_id = any($2::text[])',
    [runKeyText(run), sampleIds],
  );
}

/** Ends a lease without a result (a lost lease, a worker's fail, an abort). Fenced like the complete. */
export async function releaseLease(db: Database, token: string, state: JobState): Promise<boolean> {
  const r = await db.query(
    `update fleet_tasks set state = $2, lease_token = null, lease_until = null
     where lease_token = $1 and state = 'leased' returning seq`,
    [token, state],
  );
  return r.rows.length === 1;
}

export async function saveLedger(db: Database, run: RunKey, facts: readonly JobFacts[]): Promise<void> {
  await db.query('update fleet_runs set ledger = $2 where run_key = $1', [
    runKeyText(run),
    JSON.stringify(facts),
  ]);
}

export async function endFleetRun(
  db: Database,
  run: RunKey,
  end: {
    state: 'done' | 'error' | 'interrupted';
    status: string | null;
    exitCode: number | null;
    error: string | null;
  },
): Promise<void> {
  await db.query(
    `update fleet_runs set state = $2, status = $3, exit_code = $4, error = $5, finished_at = now()
     where run_key = $1`,
    [runKeyText(run), end.state, end.status, end.exitCode, end.error],
  );
}

export async function logEvent(
  db: Database,
  run: RunKey,
  kind: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await db.query('insert into fleet_events (run_key, kind, detail) values ($1, $2, $3)', [
    runKeyText(run),
    kind,
    JSON.stringify(detail),
  ]);
}

/** What `insertFleetRun` stored as `plan`: enough for a restarted coordinator to prepare the run again. */
interface StoredPlan {
  body: unknown;
  baseline_run_id: string | null;
  order: string[];
}

export interface StoredFleetRun {
  run: RunKey;
  submission: string;
  bundle: string;
  state: 'running' | 'finishing' | 'done' | 'error' | 'interrupted';
  plan: StoredPlan;
  ledger: JobFacts[];
  status: string | null;
  exitCode: number | null;
  error: string | null;
}

/**
 * Every model run of the submissions that still have one running: what a restarted coordinator takes
 * over (the finished ones of the same submission are reported as they ended).
 */
export async function fleetRunsToRestore(db: Database): Promise<StoredFleetRun[]> {
  const r = await db.query<{
    project: string;
    suite: string;
    model: string;
    run_id: string;
    submission: string;
    bundle_sha256: string;
    state: StoredFleetRun['state'];
    plan: StoredPlan;
    ledger: JobFacts[];
    status: string | null;
    exit_code: number | null;
    error: string | null;
  }>(
    `select project, suite, model, run_id, submission, bundle_sha256, state, plan, ledger, status, exit_code, error
     from fleet_runs
     where submission in (select submission from fleet_runs where state in ('running', 'finishing'))
     order by submission, created_at, run_key`,
  );
  return r.rows.map((row) => ({
    run: { project: row.project, suite: row.suite, model: row.model, runId: row.run_id },
    submission: row.submission,
    bundle: row.bundle_sha256,
    state: row.state,
    plan: row.plan,
    ledger: row.ledger,
    status: row.status,
    exitCode: row.exit_code,
    error: row.error,
  }));
}

/** The fenced results of a run: a restarted coordinator's ledger may not have seen the last of them. */
export async function resultsOf(
  db: Database,
  run: RunKey,
): Promise<{ sampleId: string; attempt: number; record: SampleRecord; gpuS: number; used: boolean }[]> {
  const r = await db.query<{
    sample_id: string;
    attempt: number;
    record: SampleRecord;
    gpu_s: number;
    used: boolean;
  }>('select sample_id, attempt, record, gpu_s, used from fleet_results where run_key = $1 order by seq', [
    runKeyText(run),
  ]);
  return r.rows.map((x) => ({
    sampleId: x.sample_id,
    attempt: x.attempt,
    record: x.record,
    gpuS: x.gpu_s,
    used: x.used,
  }));
}
