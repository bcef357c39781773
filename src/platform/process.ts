import { type ChildProcess, spawn } from 'node:child_process';
import { TemporalCIError } from '../errors.js';

/** How a child process ended. `error` is set when it could not be started at all (e.g. ENOENT). */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last few KB of stderr, decoded as UTF-8. */
  stderrTail: string;
}

/**
 * Keeps only the last `limit` bytes of a stream. ffmpeg can log for as long as it runs (one warning per
 * corrupt packet), and only its final lines explain a failure, so an unbounded buffer buys nothing.
 */
export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = 4096) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.limit * 2) this.compact();
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(Math.max(0, all.length - this.limit));
    this.chunks = [kept];
    this.size = kept.length;
  }

  toString(): string {
    this.compact();
    return this.chunks[0]?.toString('utf8') ?? '';
  }
}

/** A spawned process whose end is already being watched, so no 'error' event can go unhandled. */
export interface WatchedProcess {
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  stderr: StderrTail;
  /** True once the AbortSignal fired and the process was killed because of it. */
  aborted(): boolean;
  /** Kill (SIGKILL unless told otherwise) if still running, then wait for it to be gone. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
}

export interface SpawnOptions {
  signal?: AbortSignal;
  /** Pipe stdin (encoders); otherwise stdin is closed so nothing can ever wait on a terminal. */
  stdin?: boolean;
  stderrLimit?: number;
}

/** Spawn without a shell: arguments reach the program verbatim whatever characters a path holds. */
export function spawnWatched(
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): WatchedProcess {
  const child = spawn(command, args, {
    shell: false,
    stdio: [opts.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const stderr = new StderrTail(opts.stderrLimit);
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // Writes to a dead process's stdin raise EPIPE on the stream; the exit status reports the real failure.
  child.stdin?.on('error', () => {});
  let wasAborted = false;
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      done = true;
      resolve({ code: null, signal: null, error });
    });
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const onAbort = (): void => {
    wasAborted = true;
    if (!done) child.kill('SIGKILL');
  };
  if (opts.signal !== undefined) {
    if (opts.signal.aborted) onAbort();
    else {
      opts.signal.addEventListener('abort', onAbort, { once: true });
      void exited.then(() => opts.signal?.removeEventListener('abort', onAbort));
    }
  }
  return {
    child,
    exited,
    stderr,
    aborted: () => wasAborted,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (!done && child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Refuse more stdout than this (bytes); ffprobe JSON and `-version` output are small. */
  maxStdout?: number;
}

/**
 * Run a program to completion and collect its output. Rejects only when the program cannot be started
 * (FFMPEG_MISSING), its stdout overflows, or the signal aborts it (INTERRUPTED); a non-zero exit is
 * returned for the caller to explain, because only the caller knows what the program was asked to do.
 */
export async function runProcess(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const limit = opts.maxStdout ?? 64 * 1024 * 1024;
  const proc = spawnWatched(command, args, { signal: opts.signal });
  const out: Buffer[] = [];
  let outSize = 0;
  let overflow = false;
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    outSize += chunk.length;
    if (outSize > limit) {
      if (!overflow) void proc.kill();
      overflow = true;
      return;
    }
    out.push(chunk);
  });
  const exit = await proc.exited;
  if (exit.error !== undefined) {
    throw new TemporalCIError('FFMPEG_MISSING', `could not start ${command}: ${exit.error.message}`, {
      hint: 'check that the program exists and is executable, or run `temporalci doctor`',
      cause: exit.error,
    });
  }
  if (proc.aborted()) {
    throw new TemporalCIError('INTERRUPTED', `${command} was stopped: the run was cancelled`, {
      hint: 'nothing to fix; run again to finish the work',
    });
  }
  if (overflow) {
    throw new TemporalCIError('INTERNAL', `${command} wrote more than ${limit} bytes to stdout`, {
      hint: 'this is a bug in TemporalCI; please report it with the command line',
    });
  }
  return {
    code: exit.code,
    signal: exit.signal,
    stdout: Buffer.concat(out),
    stderrTail: proc.stderr.toString(),
  };
}

/** Lines ffmpeg prints that never explain a failure: banners, summaries and generic epilogues. */
const NOISE = [
  /^ffmpeg version /,
  /^ffprobe version /,
  /^\s*(built with|configuration:|lib\w+\s+\d)/,
  /^Conversion failed!?$/,
  /^Exiting normally/,
  /^Error marking filters as finished$/,
  /^Error closing file/,
  /^frame=\s*\d+/,
  /^video:\d+/,
  /^Last message repeated/,
  /^Press \[q\]/,
];

/**
 * Lines that are true but say little on their own: ffmpeg prints them after the specific cause
 * ("moov atom not found", "partial file"), so an earlier specific line is preferred when there is one.
 */
const GENERIC = [
  /Invalid data found when processing input$/,
  /^Cannot determine format of input stream/,
  /^Error while decoding stream/,
  /^Error (splitting|sending|submitting)/,
];

/**
 * The line of ffmpeg's stderr that says what actually went wrong, for quoting in messages. ffmpeg ends
 * with generic lines ("Conversion failed!"), so walk back past those. Pointer addresses in the context
 * prefix ("[h264 @ 0x55d0...]") are dropped: they differ on every run and make messages unstable. The
 * `file:` protocol prefix we pass paths with is dropped too.
 */
export function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) =>
      l
        .replace(/ @ 0x[0-9a-f]+\]/gi, ']')
        .replace(/^file:/, '')
        .trim(),
    )
    .filter((l) => l.length > 0 && !NOISE.some((re) => re.test(l)));
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!GENERIC.some((re) => re.test(line))) return line;
  }
  return lines[lines.length - 1] ?? stderr.trim().split(/\r?\n/).pop() ?? '';
}
