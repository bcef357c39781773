/**
 * A small pool of metric worker threads. A sample leases one worker for the whole of its measurement (its
 * accumulators are stateful), streams its frames to it and collects the values at the end, so decoding
 * (ffmpeg plus frame assembly on the measuring thread) overlaps with metric compute, and samples measured
 * concurrently (`run.workers` > 1) compute on separate cores.
 *
 * Memory stays bounded on any clip length: at most MAX_IN_FLIGHT frames are queued to a worker; the sender
 * waits for an ack beyond that. Workers are unref'd while idle (they never keep the process alive), end
 * after IDLE_MS without work, and a worker whose sample was aborted or failed mid-stream is terminated
 * rather than reused.
 *
 * TEMPORALCI_METRIC_THREADS caps the pool (default: the machine's available parallelism); 0 measures on the
 * calling thread.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TemporalCIError } from '../../errors.js';
import type { FrameView } from '../../video/frame-view.js';
import type {
  FromWorker,
  MetricOutcome,
  ToWorker,
  WorkerMetricSpec,
  WorkerSampleContext,
} from './protocol.js';

/** Frames queued ahead of the worker: enough to hide message latency, few enough to bound memory. */
const MAX_IN_FLIGHT = 4;
const IDLE_MS = 5_000;

let configuredMax: number | undefined;

/** Size cap of the pool: TEMPORALCI_METRIC_THREADS, else available parallelism. 0 = no workers. */
export function metricThreads(): number {
  if (configuredMax !== undefined) return configuredMax;
  const env = process.env.TEMPORALCI_METRIC_THREADS;
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new TemporalCIError(
        'USAGE',
        `TEMPORALCI_METRIC_THREADS must be a whole number >= 0, got "${env}"`,
        {
          hint: 'unset it to use every core, or set 0 to measure on the main thread',
        },
      );
    }
    return n;
  }
  return Math.max(1, os.availableParallelism());
}

/** Overrides the pool size for this process (benchmarks compare in-thread and worker measuring). */
export function setMetricThreads(n: number | undefined): void {
  configuredMax = n;
}

/**
 * The built worker (dist) or, when running from sources (tests, bench under tsx), a bootstrap that registers
 * tsx's loader inside the thread first: a .ts worker entry is not resolved by a loader given to the parent.
 */
function spawnWorker(): Worker {
  const js = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js);
  const ts = new URL('./worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(ts))) {
    throw new TemporalCIError(
      'INTERNAL',
      `metrics worker not found next to ${fileURLToPath(import.meta.url)}`,
      {
        hint: 'rebuild the package (npm run build)',
      },
    );
  }
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(boot, { eval: true });
}

type Handler = (msg: FromWorker) => void;

class PooledWorker {
  readonly worker: Worker;
  handler: Handler | undefined;
  /** Set once the thread failed or exited: the session sees it as an error, the pool drops the worker. */
  death: Error | undefined;
  onDeath: ((e: Error) => void) | undefined;
  idleTimer: NodeJS.Timeout | undefined;

  constructor() {
    this.worker = spawnWorker();
    this.worker.on('message', (msg: FromWorker) => this.handler?.(msg));
    const die = (e: Error): void => {
      if (this.death !== undefined) return;
      this.death = e;
      pool.drop(this);
      this.onDeath?.(e);
    };
    this.worker.on('error', (e) => die(e));
    this.worker.on('exit', (code) => die(new Error(`metrics worker exited (code ${code})`)));
  }
}

class Pool {
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();
  private readonly waiting: ((w: PooledWorker) => void)[] = [];

  /** An idle worker or a new one within the cap; undefined when every allowed worker is leased. */
  tryAcquire(): PooledWorker | undefined {
    // A sample waiting for its first worker comes before another's extra one.
    if (this.waiting.length > 0) return undefined;
    const ready = this.idle.pop();
    if (ready !== undefined) return this.lease(ready);
    if (this.all.size < metricThreads()) {
      const w = new PooledWorker();
      this.all.add(w);
      return this.lease(w);
    }
    return undefined;
  }

  async acquire(signal: AbortSignal): Promise<PooledWorker> {
    signal.throwIfAborted();
    const now = this.tryAcquire();
    if (now !== undefined) return now;
    return new Promise<PooledWorker>((resolve, reject) => {
      const take = (w: PooledWorker): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.lease(w));
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  private lease(w: PooledWorker): PooledWorker {
    clearTimeout(w.idleTimer);
    w.worker.ref();
    return w;
  }

  /** A healthy worker goes to the next waiting sample or idles; any other is terminated. */
  release(w: PooledWorker, healthy: boolean): void {
    w.handler = undefined;
    w.onDeath = undefined;
    if (!healthy || w.death !== undefined) {
      this.drop(w);
      void w.worker.terminate();
      this.wakeSpawn();
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) {
      next(w);
      return;
    }
    w.worker.unref();
    w.idleTimer = setTimeout(() => {
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      this.all.delete(w);
      void w.worker.terminate();
    }, IDLE_MS);
    w.idleTimer.unref();
    this.idle.push(w);
  }

  drop(w: PooledWorker): void {
    clearTimeout(w.idleTimer);
    this.all.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** A slot freed by a dead worker lets the next waiting sample start a fresh one. */
  private wakeSpawn(): void {
    const next = this.waiting.shift();
    if (next === undefined) return;
    const w = new PooledWorker();
    this.all.add(w);
    next(w);
  }

  async shutdown(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    for (const w of workers) clearTimeout(w.idleTimer);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

const pool = new Pool();

/** Terminates every metric worker (tests and benchmarks; a CLI process needs no call: idle workers are unref'd). */
export function shutdownMetricWorkers(): Promise<void> {
  return pool.shutdown();
}

let nextSession = 1;

/** The bytes themselves when they own their whole buffer and may move; otherwise a copy that can. */
function movable(bytes: Uint8Array, transfer: boolean): Uint8Array {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return transfer && own ? bytes : bytes.slice();
}

/** One sample's metrics in one worker: push frames in order, then finish (or close on failure). */
export class MetricSession {
  private inFlight = 0;
  private creditWaiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private resultWaiter: { resolve: (o: MetricOutcome[]) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private done = false;
  private readonly onAbort = (): void => this.fail(this.signal.reason, false);

  private constructor(
    private readonly w: PooledWorker,
    private readonly id: number,
    private readonly signal: AbortSignal,
  ) {
    w.handler = (msg) => this.onMessage(msg);
    w.onDeath = (e) => this.fail(e, false);
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  static async open(
    metrics: WorkerMetricSpec[],
    ctx: WorkerSampleContext,
    signal: AbortSignal,
  ): Promise<MetricSession> {
    const w = await pool.acquire(signal);
    const s = new MetricSession(w, nextSession++, signal);
    s.post({ kind: 'open', session: s.id, metrics, ctx });
    return s;
  }

  /**
   * One sample's metrics over up to `max` workers: the first is waited for, extra ones are taken only if
   * free right now (so two samples never wait on each other's workers). Metrics are split by `cost`
   * (longest first onto the least loaded worker), so one sample alone still uses every core.
   */
  static async openSplit(
    metrics: readonly WorkerMetricSpec[],
    cost: (m: WorkerMetricSpec) => number,
    ctx: WorkerSampleContext,
    signal: AbortSignal,
    max: number,
  ): Promise<MetricSession[]> {
    const workers = [await pool.acquire(signal)];
    while (workers.length < Math.min(max, metrics.length)) {
      const w = pool.tryAcquire();
      if (w === undefined) break;
      workers.push(w);
    }
    const groups: WorkerMetricSpec[][] = workers.map(() => []);
    const load = workers.map(() => 0);
    for (const m of [...metrics].sort((a, b) => cost(b) - cost(a))) {
      const i = load.indexOf(Math.min(...load));
      groups[i]!.push(m);
      load[i]! += cost(m);
    }
    const sessions: MetricSession[] = [];
    for (const [i, w] of workers.entries()) {
      const s = new MetricSession(w, nextSession++, signal);
      sessions.push(s);
      try {
        s.post({ kind: 'open', session: s.id, metrics: groups[i]!, ctx });
      } catch (e) {
        for (const o of sessions) o.close();
        for (const rest of workers.slice(i + 1)) pool.release(rest, true);
        throw e;
      }
    }
    return sessions;
  }

  private post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.w.worker.postMessage(msg, transfer);
    } catch (e) {
      this.fail(e, false);
      throw e;
    }
  }

  private onMessage(msg: FromWorker): void {
    if (msg.session !== this.id) return;
    if (msg.kind === 'ack') {
      this.inFlight--;
      const c = this.creditWaiter;
      this.creditWaiter = undefined;
      c?.resolve();
    } else if (msg.kind === 'failed') {
      this.fail(new TemporalCIError(msg.error.code, msg.error.message, { hint: msg.error.hint }), true);
    } else {
      const r = this.resultWaiter;
      this.end(true);
      r?.resolve(msg.outcomes);
    }
  }

  private fail(e: unknown, workerHealthy: boolean): void {
    if (this.done) return;
    this.failure = e;
    const { creditWaiter: c, resultWaiter: r } = this;
    this.end(workerHealthy);
    c?.reject(e);
    r?.reject(e);
  }

  private end(workerHealthy: boolean): void {
    if (this.done) return;
    this.done = true;
    this.creditWaiter = undefined;
    this.resultWaiter = undefined;
    this.signal.removeEventListener('abort', this.onAbort);
    pool.release(this.w, workerHealthy);
  }

  /**
   * Sends a frame. `transfer` moves its buffers to the worker (the caller's views are detached afterwards);
   * otherwise the worker gets one copy. Resolves once fewer than MAX_IN_FLIGHT frames are queued.
   */
  async push(frame: FrameView, transfer: boolean): Promise<void> {
    const rgb = movable(frame.rgb, transfer);
    const buffers = [rgb.buffer as ArrayBuffer];
    let planes: { format: string; data: Uint8Array } | undefined;
    if (frame.hasStoredPlanes) {
      const data = movable(frame.planes.buffer, transfer);
      planes = { format: frame.planes.format.name, data };
      buffers.push(data.buffer as ArrayBuffer);
    }
    const { index, width, height } = frame;
    this.post({ kind: 'frame', session: this.id, index, width, height, rgb, planes }, buffers);
    this.inFlight++;
    if (this.inFlight < MAX_IN_FLIGHT) return;
    await new Promise<void>((resolve, reject) => {
      this.creditWaiter = { resolve, reject };
    });
  }

  /** Every metric's values or error, in the order they were opened. */
  finish(): Promise<MetricOutcome[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const p = new Promise<MetricOutcome[]>((resolve, reject) => {
      this.resultWaiter = { resolve, reject };
    });
    try {
      this.post({ kind: 'finish', session: this.id });
    } catch {
      // post() has already rejected p through fail(): the caller receives the error by awaiting p.
    }
    return p;
  }

  /** Abandons the session (decode failed): the worker drops its state and serves the next sample. */
  close(): void {
    if (this.done) return;
    try {
      this.w.worker.postMessage({ kind: 'close', session: this.id } satisfies ToWorker);
      this.end(true);
    } catch {
      // A worker that cannot even take a message is not reused.
      this.end(false);
    }
  }
}
