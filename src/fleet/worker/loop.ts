/**
 * The worker's claim loop: claim a job, heartbeat it at a third of its lease (a 409 aborts the sample: the
 * lease moved on, or the SPRT decided and the job is not needed), run it, upload, complete. One job at a
 * time per worker process: a GPU box runs one process per GPU.
 *
 * Stopping (seed 001's spot instances and autoscaled pools): `drain` (SIGTERM, or an admin's
 * `temporalci workers drain`, answered on the next claim) stops claiming and lets the current job finish
 * and be recorded; `signal` stops now and hands the lease back, so the sample goes to another
 * worker at once instead of after its lease expires. With `exitWhenIdleS` the loop ends once no job came
 * for that long; it can only be between jobs then, so it holds no lease and every result it produced was
 * acknowledged by the coordinator (which checked each upload's size before answering).
 */
import os from 'node:os';
import { describeError } from '../../errors.js';
import type { JobSpec } from '../api/types.js';
import type { CoordinatorClient } from './client.js';
import type { JobRunner } from './execute.js';

export interface WorkerLoopOptions {
  client: CoordinatorClient;
  runner: JobRunner;
  /** The name this worker gives itself in the coordinator's events. */
  name?: string;
  /** Sent with each claim (matching jobs to labels is not done yet). */
  labels?: Record<string, string>;
  /** Sent with each claim, so the coordinator refuses runs that no worker may take. */
  allowAdapters?: readonly string[];
  /** Seconds between claims while the queue is empty. */
  idleS?: number;
  /** End the loop after this many seconds without a job. */
  exitWhenIdleS?: number;
  /** Aborted: claim nothing more, finish the current job. */
  drain?: AbortSignal;
  /** Aborted: stop the current job now and hand its lease back. */
  signal: AbortSignal;
  log: (m: string) => void;
}

/** Waits `ms`, or less when `signal` aborts; the listener goes with the wait (a worker idles for days). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

async function runOne(spec: JobSpec, o: WorkerLoopOptions): Promise<void> {
  const lease = spec.lease_token;
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, o.signal]);
  let refused: string | null = null;
  const beat = setInterval(
    () => {
      o.client.heartbeat(lease).then(
        (r) => {
          if (r !== 'ok') {
            refused = r;
            stop.abort(new Error(`lease ${r}`));
          }
        },
        (e: unknown) => o.log(`heartbeat of ${spec.sample.sampleId} failed: ${describeError(e)}`),
      );
    },
    Math.max(1000, (spec.lease_sec * 1000) / 3),
  );
  const t0 = performance.now();
  try {
    const out = await o.runner.run(spec, signal, async (names) => {
      const r = await o.client.uploads(lease, names);
      if (typeof r !== 'string') return r;
      refused = r;
      return null;
    });
    if (out === null) {
      o.log(`${spec.sample.sampleId}: stopped (${refused ?? 'worker stopping'})`);
      // Stopped by us, not by the coordinator: give the lease back rather than let it expire.
      if (refused === null) await giveBack(o, spec, 'the worker was stopped');
      return;
    }
    const gpuS = (performance.now() - t0) / 1000;
    const r = await o.client.complete(lease, { record: out.record, files: out.files, gpu_s: gpuS });
    o.log(`${spec.sample.sampleId} (attempt ${spec.attempt}): ${r === 'ok' ? 'recorded' : `refused: ${r}`}`);
  } catch (e) {
    o.log(`${spec.sample.sampleId}: cannot run it here: ${describeError(e)}`);
    await giveBack(o, spec, describeError(e));
  } finally {
    clearInterval(beat);
  }
}

/**
 * Hands a lease back. When the coordinator cannot take it (down longer than the client's retries), the
 * lease simply expires and the sample goes to another worker then: worth a log line, not the worker.
 */
async function giveBack(o: WorkerLoopOptions, spec: JobSpec, error: string): Promise<void> {
  try {
    await o.client.failJob(spec.lease_token, error);
  } catch (e) {
    o.log(
      `${spec.sample.sampleId}: could not hand the lease back (${describeError(e)}); it expires in ${spec.lease_sec} s and the sample is handed out again`,
    );
  }
}

/** Why the loop ended. */
export type LoopEnd = 'stopped' | 'drained' | 'idle';

export async function runWorkerLoop(o: WorkerLoopOptions): Promise<LoopEnd> {
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  const between = o.drain ? AbortSignal.any([o.signal, o.drain]) : o.signal;
  let idleSince = performance.now();
  for (;;) {
    if (o.signal.aborted) return 'stopped';
    if (o.drain?.aborted) return 'drained';
    if (o.exitWhenIdleS !== undefined && performance.now() - idleSince >= o.exitWhenIdleS * 1000)
      return 'idle';
    let spec: JobSpec | null | 'draining';
    try {
      spec = await o.client.claim(name, o.labels, o.allowAdapters);
    } catch (e) {
      o.log(`claim failed: ${describeError(e)}`);
      await sleep(5000, between);
      continue;
    }
    if (spec === 'draining') {
      o.log('the coordinator asked this worker to drain (temporalci workers drain)');
      return 'drained';
    }
    if (spec === null) {
      await sleep((o.idleS ?? 1) * 1000, between);
      continue;
    }
    await runOne(spec, o);
    idleSince = performance.now();
  }
}
