import { type ChildProcess, spawn } from 'node:child_process';
import { TemporalCIError } from '../errors.js';
import { groupAlive, terminateGroup } from './process-group.js';

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

type OutputTarget = 'pipe' | 'ignore' | number;

export interface SpawnOptions {
  cwd?: string;
  /** Set over our own environment, for the child only (values may be secrets: nothing here logs them). */
  env?: Record<string, string>;
  /** Aborting kills the child's whole process group. */
  signal?: AbortSignal;
  /** Pipe stdin (encoders, workers); otherwise stdin is closed so nothing can ever wait on a terminal. */
  stdin?: boolean;
  /** 'pipe' (the default) for the caller to read, or a file descriptor: the child then writes its log itself. */
  stdout?: OutputTarget;
  /** 'tail' (the default) keeps the last `stderrLimit` bytes in `stderr`; 'pipe' leaves the stream to the caller. */
  stderr?: 'tail' | OutputTarget;
  stderrLimit?: number;
  /** Time between SIGTERM and SIGKILL when the group is killed; 0 (the default) sends SIGKILL at once. */
  killGraceMs?: number;
  /** Extra output pipes after stderr (fd 3, 4, …), e.g. for ffmpeg writing several outputs: `child.stdio[3+]`. */
  extraPipes?: number;
}

/** A spawned process whose end is already being watched, so no 'error' event can go unhandled. */
export interface ChildGroup {
  child: ChildProcess;
  /** Resolves once the child has exited and its output streams are closed; never rejects. */
  exited: Promise<ExitInfo>;
  /** The captured end of stderr (empty unless `stderr` was 'tail'). */
  stderr: StderrTail;
  /** True once the AbortSignal fired and the group was killed because of it. */
  aborted(): boolean;
  /**
   * Kills the whole process group (SIGTERM, SIGKILL after the grace) and waits for it and for the child's
   * end. Resolves to whether the group is really gone. Calling it again returns the same promise.
   */
  kill(): Promise<boolean>;
  /** Whether processes of the group are still running: after the child exited, what it left behind. */
  leftovers(): Promise<boolean>;
}

/** Linux's MAX_ARG_STRLEN: the most bytes one argument (or environment entry) may hold, with its NUL. */
const MAX_ARG_BYTES = 128 * 1024;

/**
 * `spawn` throws E2BIG (not a TemporalCIError, so "internal error") when an argument is too long for the
 * kernel, typically a 200 KB prompt in a command model's argv: say which limit it hit instead.
 */
function argvTooLong(e: unknown, command: string, args: readonly string[]): TemporalCIError | undefined {
  if ((e as NodeJS.ErrnoException).code !== 'E2BIG') return undefined;
  const longest = Math.max(0, ...args.map((a) => Buffer.byteLength(a)));
  return new TemporalCIError(
    'ADAPTER_FAILED',
    `cannot start ${command}: its arguments are too long for the operating system (the longest is ${longest} bytes; ` +
      `one argument may hold at most ${MAX_ARG_BYTES - 1} bytes, all arguments and the environment together about 2 MB)`,
    {
      hint: 'shorten the prompt, or have the model read long prompts from a file instead of its argv',
      cause: e,
    },
  );
}

/**
 * The one way TemporalCI starts a program. Never through a shell: arguments reach the program verbatim
 * whatever characters a path holds. Always detached into a process group of its own, so that a timeout,
 * Ctrl-C or the end of a sample can stop everything the program started (a model's shell and its python,
 * a judge and the server it launched), not only the direct child.
 */
export function spawnChild(command: string, args: readonly string[], opts: SpawnOptions = {}): ChildGroup {
  const stderrMode = opts.stderr ?? 'tail';
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(command, args, {
      shell: false,
      detached: true,
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
      ...(opts.env === undefined ? {} : { env: { ...process.env, ...opts.env } }),
      stdio: [
        opts.stdin === true ? 'pipe' : 'ignore',
        opts.stdout ?? 'pipe',
        stderrMode === 'tail' ? 'pipe' : stderrMode,
        ...Array.from({ length: opts.extraPipes ?? 0 }, () => 'pipe' as const),
      ],
      windowsHide: true,
    });
  } catch (e) {
    throw argvTooLong(e, command, args) ?? e;
  }
  const stderr = new StderrTail(opts.stderrLimit);
  if (stderrMode === 'tail') child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  // Writes to a dead process's stdin raise EPIPE on the stream; the exit status reports the real failure.
  child.stdin?.on('error', () => {});
  let wasAborted = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let killing: Promise<boolean> | undefined;
  const kill = (): Promise<boolean> => {
    killing ??= (async () => {
      const pid = child.pid;
      if (pid === undefined) {
        await exited; // it never started: nothing to kill
        return true;
      }
      const gone = await terminateGroup(pid, opts.killGraceMs ?? 0);
      // A member stuck in uninterruptible I/O may hold a pipe open, and 'close' would never come.
      if (gone) await exited;
      return gone;
    })();
    // Kills start from event handlers (abort, stdout overflow) that cannot await them. A failure to kill
    // is not lost by this: every caller that handles those cases awaits kill(), this same promise.
    killing.catch(() => {});
    return killing;
  };
  const onAbort = (): void => {
    wasAborted = true;
    void kill();
  };
  const { signal } = opts;
  if (signal !== undefined) {
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      void exited.then(() => signal.removeEventListener('abort', onAbort));
    }
  }
  return {
    child,
    exited,
    stderr,
    aborted: () => wasAborted,
    kill,
    leftovers: async () => child.pid !== undefined && (await groupAlive(child.pid)),
  };
}

export interface RunOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Refuse more stdout than this (bytes); ffprobe JSON and `-version` output are small. */
  maxStdout?: number;
}

/**
 * Run a program to completion and collect its output: a tool whose stdout is the answer (ffprobe, ffmpeg,
 * git). Rejects only when the program cannot be started (FFMPEG_MISSING), its stdout overflows, or
 * the signal aborts it (INTERRUPTED); a non-zero exit is returned for the caller to explain, because only
 * the caller knows what the program was asked to do.
 */
export async function runProcess(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const limit = opts.maxStdout ?? 64 * 1024 * 1024;
  const proc = spawnChild(command, args, {
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    signal: opts.signal,
  });
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
  if (proc.aborted() || overflow) await proc.kill();
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

export interface LoggedRunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** The caller's deadline and Ctrl-C: aborting kills the whole group. */
  signal: AbortSignal;
  killGraceMs: number;
  /** An open file for the child's stdout and stderr: it writes there itself, so the log outlives us. */
  logFd: number;
  /** Told (before they are killed) that the program exited but left processes running in its group. */
  onLeftovers?: () => Promise<void>;
}

export interface LoggedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the program could not be started at all (ENOENT, EACCES). */
  startError?: Error;
  /** The signal fired and the group was killed. */
  aborted: boolean;
  /** False when a process of the group survived SIGKILL (stuck in uninterruptible I/O). */
  gone: boolean;
}

/**
 * Runs a user's program (a model command, a judge) with its output going to a log file, and makes sure
 * nothing of it is left when this returns: on abort the whole group is killed; after a normal exit,
 * processes it left behind (a server, a stray worker) are killed too, since they would hold the GPU or a
 * port for the next sample. Never rejects for the program's own failures: the caller words them.
 */
export async function runToLog(
  command: string,
  args: readonly string[],
  opts: LoggedRunOptions,
): Promise<LoggedRun> {
  const proc = spawnChild(command, args, {
    cwd: opts.cwd,
    ...(opts.env === undefined ? {} : { env: opts.env }),
    signal: opts.signal,
    stdout: opts.logFd,
    stderr: opts.logFd,
    killGraceMs: opts.killGraceMs,
  });
  const exit = await proc.exited;
  const ended = { code: exit.code, signal: exit.signal, aborted: false, gone: true };
  if (exit.error !== undefined) return { ...ended, startError: exit.error };
  if (proc.aborted()) return { ...ended, aborted: true, gone: await proc.kill() };
  if (await proc.leftovers()) {
    await opts.onLeftovers?.();
    return { ...ended, gone: await proc.kill() };
  }
  return ended;
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
