/**
 * The coordinator's dispatch: BullMQ hands jobs out (manual fetch: the coordinator holds a processor-less
 * Worker and maps claim / heartbeat / complete onto `getNextJob`, `extendLock`, `moveToCompleted`), Postgres
 * fences every result (src/fleet/coordinator/tables.ts), and one WaveLedger per model run decides which jobs
 * may be enqueued, when a wave is evaluated and what a decision cancels (src/fleet/waves/ledger.ts).
 *
 * Mutations of one model run are serialised (`exclusive`): the ledger is pure and synchronous, but a
 * request's steps around it await I/O, and two completes of the same wave must not interleave.
 */
import { randomUUID } from 'node:crypto';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describeError, TemporalCIError } from '../../errors.js';
import { removeDir } from '../../platform/fs.js';
import type { PreparedRun } from '../../runs/prepare.js';
import { exitCodeOf, type RunRecord, type SampleRecord, worstExitCode } from '../../schema/run.js';
import type { JobSpec, LeaseRefusal, ModelRunView, RunView, SubmitRunBody } from '../api/types.js';
import { WaveLedger } from '../waves/ledger.js';
import { attemptName, finishFleetRun } from './finish.js';
import type { DispatchPorts, SubmissionState } from './ports.js';
import { takeOverRuns } from './recover.js';
import { openSubmission } from './submit.js';
import * as t from './tables.js';
import { recordWorker, touchWorkerOfLease } from './workers.js';

interface JobData {
  runKey: string;
  sampleId: string;
  seq: number;
}

interface ModelDispatch {
  submission: string;
  prep: PreparedRun;
  ledger: WaveLedger;
  bundle: string;
  warnings: string[];
  state: ModelRunView['state'];
  status: string | null;
  exitCode: number | null;
  error: string | null;
  record: RunRecord | null;
  startedMs: number;
  seqOf: Map<string, number>;
  planned: Map<string, PreparedRun['order'][number]>;
  chain: Promise<unknown>;
}

export class Dispatcher {
  private readonly runs = new Map<string, ModelDispatch>();
  private readonly submissions = new Map<string, SubmissionState>();
  private readonly finishing = new Set<Promise<void>>();
  /** Model runs that were over before this process took their submission over (a restart). */
  private readonly ended = new Map<string, ModelRunView>();

  private constructor(
    private readonly ports: DispatchPorts,
    private readonly queue: Queue<JobData>,
    private readonly worker: Worker<JobData>,
    private readonly connections: Redis[],
  ) {}

  static async start(ports: DispatchPorts): Promise<Dispatcher> {
    const name = ports.queueName ?? 'temporalci-samples';
    const redis = () => new Redis(ports.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    const queueConn = redis();
    const workerConn = redis();
    const queue = new Queue<JobData>(name, { connection: queueConn });
    const lockMs = ports.leaseSec * 1000;
    const worker = new Worker<JobData>(name, null, {
      connection: workerConn,
      autorun: false,
      lockDuration: lockMs,
      stalledInterval: ports.stalledIntervalMs ?? Math.max(1000, Math.floor(lockMs / 3)),
      // The ledger decides how many lost leases a sample may have; BullMQ always hands a stalled job back.
      maxStalledCount: 1_000_000,
    });
    const d = new Dispatcher(ports, queue, worker, [queueConn, workerConn]);
    worker.on('error', (e) => ports.warn(`the dispatch queue: ${describeError(e)}`));
    worker.on('stalled', (jobId) => {
      d.onStalled(jobId).catch((e: unknown) =>
        ports.warn(`a lost lease of job ${jobId}: ${describeError(e)}`),
      );
    });
    await d.recover();
    await worker.startStalledCheckTimer();
    return d;
  }

  async submit(body: SubmitRunBody, submitter: string): Promise<RunView> {
    const id = `fr-${randomUUID()}`;
    const abort = new AbortController();
    const sub = await openSubmission(body, { ...this.ports, signal: abort.signal });
    const state: SubmissionState = { runKeys: [], scratch: sub.scratch, abort };
    this.submissions.set(id, state);
    for (const { prep, warnings } of sub.models) {
      const ledger = new WaveLedger({
        order: prep.order,
        seq: prep.seq,
        gates: prep.opts.gates,
        reused: prep.reused,
      });
      await t.insertFleetRun(this.ports.db, {
        run: prep.key,
        submission: id,
        bundleSha256: body.bundle,
        suiteFile: sub.suite.file,
        plan: {
          body,
          baseline_run_id: prep.baseline?.runId ?? null,
          order: prep.order.map((p) => p.sampleId),
        },
        tasks: prep.order.map((p, i) => ({ seq: i, wave: ledger.waveOf(p.sampleId), planned: p })),
      });
      await t.logEvent(this.ports.db, prep.key, 'submitted', { by: submitter, samples: prep.order.length });
      await this.register(id, state, body.bundle, prep, ledger, warnings);
    }
    return this.view(id) as RunView;
  }

  /** Holds a model run in memory and moves it on (a new one, or one taken over after a restart). */
  private async register(
    submission: string,
    state: SubmissionState,
    bundle: string,
    prep: PreparedRun,
    ledger: WaveLedger,
    warnings: string[],
  ): Promise<void> {
    const md: ModelDispatch = {
      submission,
      prep,
      ledger,
      bundle,
      warnings,
      state: 'running',
      status: null,
      exitCode: null,
      error: null,
      record: null,
      startedMs: performance.now(),
      seqOf: new Map(prep.order.map((p, i) => [p.sampleId, i])),
      planned: new Map(prep.order.map((p) => [p.sampleId, p])),
      chain: Promise.resolve(),
    };
    const key = t.runKeyText(prep.key);
    this.runs.set(key, md);
    state.runKeys.push(key);
    await this.exclusive(md, () => this.progress(md));
  }

  /** After a restart: takes over every run the previous process left running (./recover.ts). */
  private recover(): Promise<void> {
    return takeOverRuns(this.ports, {
      adopt: (id, abort, scratch) => {
        const state: SubmissionState = { runKeys: [], scratch, abort };
        this.submissions.set(id, state);
        return state;
      },
      register: (id, state, bundle, prep, ledger, warnings) =>
        this.register(id, state, bundle, prep, ledger, warnings),
      ended: (state, view) => {
        const key = t.runKeyText(view.run);
        this.ended.set(key, view);
        state.runKeys.push(key);
      },
      settle: (id) => this.releaseSubmission(id),
    });
  }

  view(id: string): RunView | null {
    const sub = this.submissions.get(id);
    if (sub === undefined) return null;
    const models = sub.runKeys.map((k) => {
      const md = this.runs.get(k);
      return md === undefined ? (this.ended.get(k) as ModelRunView) : this.modelView(md);
    });
    const done = models.every((m) => m.state === 'done' || m.state === 'error' || m.state === 'interrupted');
    return {
      id,
      done,
      exit_code: done
        ? worstExitCode(
            models.map((m) => (m.status ?? 'ERROR') as 'ERROR'),
            true,
          )
        : null,
      models,
    };
  }

  private modelView(md: ModelDispatch): ModelRunView {
    return {
      run: md.prep.key,
      state: md.state,
      status: md.status,
      exit_code: md.exitCode,
      error: md.error,
      waves: { evaluated: md.ledger.evaluatedWaves, total: md.ledger.waveCount },
      record: md.record,
      location: this.ports.store.locate(md.prep.key),
    };
  }

  /** The next job for a worker, leased under a fresh token, or null when none is waiting. */
  async claim(
    workerName: string,
    labels: Record<string, string> = {},
    allowAdapters: readonly string[] = [],
  ): Promise<JobSpec | null> {
    await recordWorker(this.ports.db, workerName, labels, allowAdapters);
    for (;;) {
      const token = randomUUID();
      const job = (await this.worker.getNextJob(token, { block: false })) as Job<JobData> | undefined;
      if (job === undefined) return null;
      const md = this.runs.get(job.data.runKey);
      if (md === undefined) {
        // A job of a run this coordinator does not hold (a restart): never run it blind.
        await job.moveToFailed(new Error('the coordinator holds no such run'), token, false);
        continue;
      }
      const spec = await this.exclusive(md, async () => {
        const attempt = md.ledger.claim(job.data.sampleId);
        if (attempt === null) {
          await job.moveToCompleted(null, token, false);
          return null;
        }
        await t.leaseTask(
          this.ports.db,
          md.prep.key,
          job.data.sampleId,
          {
            token,
            attempt,
            worker: workerName,
            seconds: this.ports.leaseSec,
          },
          md.ledger.facts(),
        );
        await t.logEvent(this.ports.db, md.prep.key, 'claimed', {
          sample: job.data.sampleId,
          attempt,
          worker: workerName,
        });
        return this.specOf(md, job.data.sampleId, token, attempt);
      });
      if (spec !== null) return spec;
    }
  }

  private async specOf(
    md: ModelDispatch,
    sampleId: string,
    token: string,
    attempt: number,
  ): Promise<JobSpec> {
    return {
      lease_token: token,
      lease_sec: this.ports.leaseSec,
      attempt,
      run: md.prep.key,
      model: md.prep.model.name,
      bundle: { sha256: md.bundle, url: await this.ports.artifacts.bundleUrl(md.bundle) },
      sample: md.planned.get(sampleId) as JobSpec['sample'],
      retries: md.prep.opts.retries,
      timeout_s: md.prep.opts.timeoutS ?? null,
    };
  }

  async heartbeat(token: string): Promise<{ lease_sec: number } | LeaseRefusal> {
    const lease = await t.liveLease(this.ports.db, token);
    if (lease === null) return 'lease_lost';
    if (lease.cancelRequested) return 'cancelled';
    const job = await this.job(lease.runKey, lease.seq);
    if (job === undefined || (await job.extendLock(token, this.ports.leaseSec * 1000)) === 0)
      return 'lease_lost';
    await t.extendLease(this.ports.db, token, this.ports.leaseSec);
    await touchWorkerOfLease(this.ports.db, token);
    return { lease_sec: this.ports.leaseSec };
  }

  /** Presigned PUTs for the files of this lease, under attempt-scoped names. */
  async uploads(token: string, names: readonly string[]): Promise<Record<string, string> | LeaseRefusal> {
    const lease = await t.liveLease(this.ports.db, token);
    if (lease === null) return 'lease_lost';
    const md = this.runs.get(lease.runKey);
    if (md === undefined) return 'lease_lost';
    const urls: Record<string, string> = {};
    for (const name of names) {
      const key = { run: md.prep.key, name: attemptName(lease.sampleId, lease.attempt, name) };
      urls[name] = await this.ports.artifacts.presignPut(key, this.ports.leaseSec);
    }
    return urls;
  }

  /**
   * A worker's result. Its files must be in S3 at the sizes it says; the result is written only while its
   * lease is live (fenced), and a retried complete of the same lease answers as the first did.
   */
  async complete(
    token: string,
    body: { record: SampleRecord; files: { name: string; size: number }[]; gpu_s: number },
    workerName: string,
  ): Promise<'ok' | LeaseRefusal> {
    const lease = await t.liveLease(this.ports.db, token);
    if (lease === null) return (await t.resultOfLease(this.ports.db, token)) === null ? 'lease_lost' : 'ok';
    const md = this.runs.get(lease.runKey);
    if (md === undefined) return 'lease_lost';
    checkRecord(md, lease.sampleId, body.record);
    await this.checkUploads(md, lease.sampleId, lease.attempt, body.files);
    return this.exclusive(md, async (): Promise<'ok' | LeaseRefusal> => {
      const used = md.ledger.stateOf(lease.sampleId) === 'leased' && !md.ledger.finished;
      const written = await t.completeFenced(this.ports.db, token, {
        record: body.record,
        files: body.files,
        gpuS: body.gpu_s,
        worker: workerName,
        used,
        state: used ? 'done' : 'speculative',
      });
      if (written === 'stale') return 'lease_lost';
      if (written === 'duplicate') return 'ok';
      const r = md.ledger.complete(lease.sampleId, lease.attempt, body.record, body.gpu_s);
      if (r === 'recorded') await this.ports.store.appendSample(md.prep.key, body.record);
      await t.logEvent(this.ports.db, md.prep.key, 'completed', {
        sample: lease.sampleId,
        attempt: lease.attempt,
        as: r,
      });
      const job = await this.job(lease.runKey, lease.seq);
      await job
        ?.moveToCompleted(null, token, false)
        .catch((e: unknown) => this.ports.warn(`job ${job.id}: ${describeError(e)}`));
      await this.progress(md);
      return 'ok';
    });
  }

  /** The worker could not run the job (refused adapter, no GPU): handed back, as a lost lease is. */
  async fail(token: string, error: string): Promise<'ok' | LeaseRefusal> {
    const lease = await t.liveLease(this.ports.db, token);
    if (lease === null) return 'lease_lost';
    const md = this.runs.get(lease.runKey);
    if (md === undefined) return 'lease_lost';
    return this.exclusive(md, async (): Promise<'ok'> => {
      await t.logEvent(this.ports.db, md.prep.key, 'failed', {
        sample: lease.sampleId,
        attempt: lease.attempt,
        error,
      });
      const job = await this.job(lease.runKey, lease.seq);
      await this.handBack(md, lease.sampleId, lease.attempt, token, job);
      return 'ok';
    });
  }

  private async onStalled(jobId: string): Promise<void> {
    const job = (await this.queue.getJob(jobId)) as Job<JobData> | undefined;
    if (job === undefined) return;
    const md = this.runs.get(job.data.runKey);
    if (md === undefined) return;
    await this.exclusive(md, async () => {
      const r = await this.ports.db.query<{ attempt: number; lease_token: string | null }>(
        `select attempt, lease_token from fleet_tasks where run_key = $1 and sample_id = $2 and state = 'leased'`,
        [job.data.runKey, job.data.sampleId],
      );
      const row = r.rows[0];
      if (row === undefined || row.lease_token === null) return;
      await t.logEvent(this.ports.db, md.prep.key, 'lease_lost', {
        sample: job.data.sampleId,
        attempt: row.attempt,
      });
      // BullMQ already moved the job back to wait.
      await this.handBack(md, job.data.sampleId, row.attempt, row.lease_token, undefined);
    });
  }

  /** A lease ended without a result: the ledger says whether the job goes back in the queue. */
  private async handBack(
    md: ModelDispatch,
    sampleId: string,
    attempt: number,
    token: string,
    active: Job | undefined,
  ): Promise<void> {
    const r = md.ledger.lost(sampleId, attempt);
    if (r === 'stale') return;
    const next = r === 'requeue' ? 'queued' : md.ledger.stateOf(sampleId);
    await t.releaseLease(this.ports.db, token, next);
    const jobId = this.jobId(md, sampleId);
    if (r === 'requeue') {
      md.ledger.markQueued(sampleId);
      if (active !== undefined) await active.moveToWait(token);
    } else {
      if (active !== undefined)
        await active.moveToFailed(new Error(`sample ${sampleId}: ${r}`), token, false);
      await this.queue.remove(jobId);
      if (r === 'failed') {
        const facts = md.ledger.facts().find((f) => f.sample_id === sampleId);
        if (facts?.record) await this.ports.store.appendSample(md.prep.key, facts.record);
      }
    }
    await this.progress(md);
  }

  /** Evaluate what is in, act on a decision, enqueue what may run now, and end the run once settled. */
  private async progress(md: ModelDispatch): Promise<void> {
    const adv = md.ledger.advance();
    for (const w of adv.evaluated) await t.logEvent(this.ports.db, md.prep.key, 'wave', { wave: w });
    if (adv.decision !== null) {
      await t.logEvent(this.ports.db, md.prep.key, 'decided', { wave: adv.decision.wave });
      for (const id of adv.decision.cancel) {
        await this.queue.remove(this.jobId(md, id));
        await t.setTaskState(this.ports.db, md.prep.key, id, 'cancelled');
      }
      await t.requestCancel(
        this.ports.db,
        md.prep.key,
        adv.decision.abort.map((a) => a.sampleId),
      );
    }
    for (const p of md.ledger.dispatchable()) {
      if (!md.ledger.markQueued(p.sampleId)) continue;
      const seq = md.seqOf.get(p.sampleId) as number;
      await this.queue.add(
        'sample',
        { runKey: t.runKeyText(md.prep.key), sampleId: p.sampleId, seq },
        { jobId: this.jobId(md, p.sampleId), removeOnComplete: true, removeOnFail: true },
      );
      await t.setTaskState(this.ports.db, md.prep.key, p.sampleId, 'queued');
    }
    await t.saveLedger(this.ports.db, md.prep.key, md.ledger.facts());
    if (md.ledger.settled && md.state === 'running') {
      md.state = 'finishing';
      const p = this.finish(md).finally(() => this.finishing.delete(p));
      this.finishing.add(p);
    }
  }

  private async finish(md: ModelDispatch): Promise<void> {
    try {
      const record = await finishFleetRun({
        prep: md.prep,
        outcome: md.ledger.outcome(),
        files: await t.winningFiles(this.ports.db, md.prep.key),
        store: this.ports.store,
        artifacts: this.ports.artifacts,
        warnings: md.warnings,
        elapsedS: (performance.now() - md.startedMs) / 1000,
      });
      if (md.prep.opts.tag && (record.status === 'PASS' || record.status === 'FAIL')) {
        await this.ports.store.setTag(md.prep.key, md.prep.opts.tag, record.run_id);
      }
      md.record = record;
      md.status = record.status;
      md.exitCode = exitCodeOf(record.status);
      md.state = record.status === 'INTERRUPTED' ? 'interrupted' : 'done';
    } catch (e) {
      md.error = describeError(e);
      md.status = 'ERROR';
      md.exitCode = 1;
      md.state = 'error';
      this.ports.warn(`run ${md.prep.key.runId} could not be finished: ${md.error}`);
    } finally {
      await md.prep.lock.release().catch((e: unknown) => this.ports.warn(describeError(e)));
      await t.endFleetRun(this.ports.db, md.prep.key, {
        state: md.state === 'interrupted' ? 'interrupted' : md.state === 'error' ? 'error' : 'done',
        status: md.status,
        exitCode: md.exitCode,
        error: md.error,
      });
      await this.releaseSubmission(md.submission);
    }
  }

  private async releaseSubmission(id: string): Promise<void> {
    const sub = this.submissions.get(id);
    if (sub === undefined) return;
    const over = sub.runKeys.every((k) => {
      const s = this.runs.get(k)?.state ?? this.ended.get(k)?.state;
      return s === 'done' || s === 'error' || s === 'interrupted';
    });
    if (over) await removeDir(sub.scratch);
  }

  private async checkUploads(
    md: ModelDispatch,
    sampleId: string,
    attempt: number,
    files: readonly { name: string; size: number }[],
  ): Promise<void> {
    for (const f of files) {
      const size = await this.ports.artifacts.sizeOf({
        run: md.prep.key,
        name: attemptName(sampleId, attempt, f.name),
      });
      if (size !== f.size) {
        throw new TemporalCIError(
          'USAGE',
          `${f.name} of sample ${sampleId} is ${size === null ? 'not uploaded' : `${size} bytes in S3`}, not ${f.size}`,
          { hint: 'upload every file through the presigned PUTs of this lease before completing it' },
        );
      }
    }
  }

  private jobId(md: ModelDispatch, sampleId: string): string {
    return `${md.prep.key.runId}-${md.seqOf.get(sampleId)}`;
  }

  private async job(runKey: string, seq: number): Promise<Job<JobData> | undefined> {
    const md = this.runs.get(runKey);
    if (md === undefined) return undefined;
    return (await this.queue.getJob(`${md.prep.key.runId}-${seq}`)) as Job<JobData> | undefined;
  }

  private exclusive<T>(md: ModelDispatch, fn: () => Promise<T>): Promise<T> {
    const next = md.chain.then(fn, fn);
    md.chain = next.catch(() => undefined);
    return next;
  }

  /** Answers when Redis does (for /readyz); the caller bounds the wait, since ioredis retries forever. */
  async pingRedis(): Promise<void> {
    await this.connections[0]?.ping();
  }

  /** Jobs in the dispatch queue by BullMQ state (for /metrics). */
  queueCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'failed');
  }

  /** Waits for runs being finished, then closes the queue connections (the runs' locks are released). */
  async close(): Promise<void> {
    await Promise.all(this.finishing);
    await this.worker.close();
    await this.queue.close();
    for (const c of this.connections) c.disconnect();
    for (const md of this.runs.values()) {
      if (md.state !== 'running') continue;
      await md.prep.lock
        .release()
        .catch((e: unknown) => this.ports.warn(`run ${md.prep.key.runId}: ${describeError(e)}`));
    }
  }
}

/** A record the worker sends must be of the sample it leased, with the plan's identity. */
function checkRecord(md: ModelDispatch, sampleId: string, record: SampleRecord): void {
  const p = md.planned.get(sampleId);
  if (
    p === undefined ||
    record.sample_id !== sampleId ||
    record.test_id !== p.testId ||
    record.seed !== p.seed
  ) {
    throw new TemporalCIError('USAGE', `the result sent is not the record of sample ${sampleId}`, {
      hint: 'complete a lease with the SampleRecord runSample produced for the job it was given',
    });
  }
}
