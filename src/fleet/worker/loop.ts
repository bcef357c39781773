/**
 * The worker's claim loop: claim a job, heartbeat it at a third of its lease (a 409 aborts the sample: the
 * lease moved on, or the SPRT decided and the job is not needed), run it, upload, complete. One job at a
 * time per worker process: a GPU box runs one process per GPU.
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
  /** Seconds between claims while the queue is empty. */
  idleS?: number;
  signal: AbortSignal;
  log: (m: string) => void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
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
      return typeof r === 'string' ? null : r;
    });
    if (out === null) {
      o.log(`${spec.sample.sampleId}: stopped (${refused ?? 'worker stopping'})`);
      return;
    }
    const gpuS = (performance.now() - t0) / 1000;
    const r = await o.client.complete(lease, { record: out.record, files: out.files, gpu_s: gpuS });
    o.log(`${spec.sample.sampleId} (attempt ${spec.attempt}): ${r === 'ok' ? 'recorded' : `refused: ${r}`}`);
  } catch (e) {
    o.log(`${spec.sample.sampleId}: cannot run it here: ${describeError(e)}`);
    await o.client.failJob(lease, describeError(e));
  } finally {
    clearInterval(beat);
  }
}

export async function runWorkerLoop(o: WorkerLoopOptions): Promise<void> {
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  while (!o.signal.aborted) {
    let spec: JobSpec | null;
    try {
      spec = await o.client.claim(name, o.labels);
    } catch (e) {
      o.log(`claim failed: ${describeError(e)}`);
      await sleep(5000, o.signal);
      continue;
    }
    if (spec === null) {
      await sleep((o.idleS ?? 1) * 1000, o.signal);
      continue;
    }
    await runOne(spec, o);
  }
}
