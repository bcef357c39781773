import { promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { describeError, TemporalCIError } from '../../errors.js';
import { redact } from '../../platform/env.js';
import { type ChildGroup, spawnChild } from '../../platform/process.js';
import { setTimer } from '../../platform/timers.js';

/** One event the worker writes on stdout (see python/temporalci_diffusers_worker.py for the protocol). */
export interface WorkerEvent {
  event: 'ready' | 'fatal' | 'done' | 'failed';
  id?: string;
  code?: string;
  message?: string;
  hint?: string;
  output?: string;
  info?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** On `ready`: the worker ends each reply with an END_MARK line on stderr. */
  stderr_marks?: boolean;
}

export interface WorkerSpec {
  python: string;
  script: string;
  cwd: string;
  env: Record<string, string>;
  /** The first command, sent once per process: loads the weights. */
  load: Record<string, unknown>;
  loadTimeoutS: number;
  killGraceMs: number;
}

const STDERR_TAIL_LINES = 40;
/** The stderr line a worker writes after each reply (python/temporalci_diffusers_worker.py). */
const END_MARK = '\x1etemporalci:end ';

/**
 * A long-lived Python process that loads a pipeline once and serves one generation at a time over JSON
 * lines. A timeout or Ctrl-C kills its whole process group (the only way to stop a CUDA kernel) and the
 * next request starts a fresh worker, reloading the weights.
 */
export class DiffusersWorker {
  private proc: ChildGroup | null = null;
  private stdin: Writable | null = null;
  private waiting: ((e: WorkerEvent) => void) | null = null;
  private exited: ((why: string) => void) | null = null;
  private stderrTail: string[] = [];
  /** Where stderr lines go while a request is running (the sample's log). */
  private logFile: string | null = null;
  private logWrites: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether the running worker writes END_MARK lines; a user's older worker script may not. */
  private marks = false;
  /** Request ids whose END_MARK arrived, and who waits for one. */
  private ended = new Set<string>();
  private endWaiters = new Map<string, () => void>();
  /** A missing package does not appear between samples: fail fast instead of respawning every time. */
  private fatal: TemporalCIError | null = null;
  starts = 0;
  info: Record<string, unknown> = {};

  constructor(private readonly spec: WorkerSpec) {}

  /** Runs `fn` after every earlier request finished: the worker holds one pipeline on one device. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async request(
    command: Record<string, unknown>,
    id: string,
    logFile: string,
    signal: AbortSignal,
  ): Promise<WorkerEvent> {
    if (this.fatal) throw this.fatal;
    this.logFile = logFile;
    this.stderrTail = [];
    try {
      if (this.proc === null) await this.start(signal);
      const reply = await this.exchange({ ...command, id }, signal, null, (e) => e.id === id);
      // stdout and stderr are two pipes: the reply can overtake what the request printed. The tail
      // and the sample's log are complete once the request's END_MARK (or the worker's end) arrives.
      if (this.marks) await this.endOf(id);
      return reply;
    } finally {
      await this.logWrites;
      this.logFile = null;
    }
  }

  tail(): string {
    return this.stderrTail.join('\n');
  }

  private async start(signal: AbortSignal): Promise<void> {
    this.starts++;
    // Its own process group (spawnChild): killing it stops every CUDA helper process too.
    const proc = spawnChild(this.spec.python, [this.spec.script], {
      cwd: this.spec.cwd,
      env: { ...this.spec.env, PYTHONUNBUFFERED: '1' },
      stdin: true,
      stderr: 'pipe',
      killGraceMs: this.spec.killGraceMs,
    });
    const { child } = proc;
    if (child.stdin === null || child.stdout === null || child.stderr === null) {
      throw new TemporalCIError('INTERNAL', 'the diffusers worker was spawned without its pipes');
    }
    this.proc = proc;
    this.stdin = child.stdin;
    lines(child.stdout, (line) => this.onStdout(line));
    lines(child.stderr, (line) => this.onStderr(line));
    // 'exit', not the end of its output: a helper process that inherited stdout must not hide the death.
    child.once('exit', (code, sig) => this.onExit(proc, `the worker exited (${sig ?? `code ${code}`})`));
    void proc.exited.then((e) => {
      if (e.error !== undefined)
        this.onExit(proc, `cannot start ${this.spec.python}: ${describeError(e.error)}`);
    });
    const ready = await this.exchange(
      this.spec.load,
      signal,
      this.spec.loadTimeoutS,
      (e) => e.event === 'ready' || e.event === 'fatal',
    );
    if (ready.event === 'fatal') {
      // Sample errors keep the message only, so the one-line install hint is part of it.
      const how = ready.code === 'missing_package' && ready.hint ? `; install with: ${ready.hint}` : '';
      const err = new TemporalCIError(
        'ADAPTER_FAILED',
        `diffusers worker: ${ready.message ?? 'failed to load'}${how}`,
        {
          hint: ready.hint,
          logTail: this.tail(),
        },
      );
      if (ready.code === 'missing_package') this.fatal = err;
      await this.kill();
      throw err;
    }
    this.info = ready.info ?? {};
    this.marks = ready.stderr_marks === true;
  }

  private endOf(id: string): Promise<void> {
    if (this.ended.delete(id) || this.proc === null) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.set(id, resolve));
  }

  private releaseEndWaiters(): void {
    for (const resolve of this.endWaiters.values()) resolve();
    this.endWaiters.clear();
    this.ended.clear();
  }

  /** Sends one line and waits for the matching event, the worker's death, an abort or the timeout. */
  private exchange(
    line: Record<string, unknown>,
    signal: AbortSignal,
    timeoutS: number | null,
    matches: (e: WorkerEvent) => boolean,
  ): Promise<WorkerEvent> {
    const stdin = this.stdin;
    if (stdin === null)
      return Promise.reject(new TemporalCIError('ADAPTER_FAILED', 'diffusers worker is not running'));
    return new Promise<WorkerEvent>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting = null;
        this.exited = null;
      };
      const stop = (message: string, exitCode: number): void => {
        cleanup();
        // The answer will never come (or comes too late): the worker is killed, a new one serves next.
        void this.kill().then(() =>
          reject(
            new TemporalCIError('ADAPTER_FAILED', message, {
              hint: 'raise run.timeout_s / load_timeout_s; the worker is restarted for the next sample',
              logTail: this.tail(),
              processExitCode: exitCode,
            }),
          ),
        );
      };
      const onAbort = (): void => {
        const reason: unknown = signal.reason;
        const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
        stop(
          `diffusers worker ${timedOut ? 'timed out' : 'was interrupted'}; its process group was killed`,
          124,
        );
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (timeoutS !== null) {
        timer = setTimer(timeoutS, () => stop(`diffusers worker did not load within ${timeoutS} s`, 124));
      }
      this.waiting = (e) => {
        if (!matches(e)) return;
        cleanup();
        resolve(e);
      };
      this.exited = (why) => {
        cleanup();
        reject(new TemporalCIError('ADAPTER_FAILED', `diffusers worker: ${why}`, { logTail: this.tail() }));
      };
      stdin.write(`${JSON.stringify(line)}\n`);
    });
  }

  private onStdout(line: string): void {
    let event: WorkerEvent;
    try {
      event = JSON.parse(line) as WorkerEvent;
    } catch {
      this.onStderr(`[stdout, not protocol] ${line}`);
      return;
    }
    // A worker's message may quote its environment (an HF token in a failed download's URL).
    if (typeof event.message === 'string') event.message = redact(event.message);
    this.waiting?.(event);
  }

  private onStderr(raw: string): void {
    // Every value interpolated into the worker's env is redacted before the line is kept (tail or log).
    const line = redact(raw);
    if (this.marks && line.startsWith(END_MARK)) {
      const id = line.slice(END_MARK.length);
      const waiter = this.endWaiters.get(id);
      if (waiter === undefined) this.ended.add(id);
      else {
        this.endWaiters.delete(id);
        waiter();
      }
      return;
    }
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    const file = this.logFile;
    if (file !== null)
      this.logWrites = this.logWrites.then(() => fs.appendFile(file, `${line}\n`)).catch(() => undefined);
  }

  private onExit(proc: ChildGroup, why: string): void {
    // A worker killed earlier may report its end after a fresh one started: only the current one counts.
    if (this.proc !== proc) return;
    this.proc = null;
    this.stdin = null;
    this.marks = false;
    this.exited?.(why);
    this.releaseEndWaiters();
  }

  /** Kills the worker's process group and waits until it is really gone. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    this.stdin = null;
    this.marks = false;
    this.releaseEndWaiters();
    await proc?.kill();
  }

  /** Asks the worker to exit (freeing the GPU), then makes sure its group is gone. */
  async close(): Promise<void> {
    const proc = this.proc;
    const stdin = this.stdin;
    if (proc === null || stdin === null) return;
    const gone = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
    stdin.end(`${JSON.stringify({ op: 'shutdown' })}\n`);
    await Promise.race([gone, new Promise((r) => setTimeout(r, this.spec.killGraceMs).unref())]);
    // Still running after the grace, or gone but with helpers left in its group: the group goes.
    if (await proc.leftovers()) await proc.kill();
    this.proc = null;
    this.stdin = null;
  }
}

function lines(stream: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stream }).on('line', onLine);
}
