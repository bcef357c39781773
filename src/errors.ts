/**
 * Every failure a user can cause or meet carries a stable code, a message that says what went wrong and
 * where, and a hint that says how to fix it. The CLI turns these into output and exit code 1 at one
 * boundary (src/cli/main.ts); nothing else prints stack traces.
 */
export type ErrorCode =
  | 'SUITE_NOT_FOUND'
  | 'SUITE_INVALID'
  | 'YAML_SYNTAX'
  | 'USAGE'
  | 'FFMPEG_MISSING'
  | 'FFMPEG_FAILED'
  | 'VIDEO_INVALID'
  | 'ADAPTER_UNKNOWN'
  | 'ADAPTER_FAILED'
  | 'METRIC_UNKNOWN'
  | 'METRIC_FAILED'
  | 'GATE_INVALID'
  | 'BASELINE_INVALID'
  | 'RUN_NOT_FOUND'
  | 'RUN_FAILED'
  | 'STORE_CORRUPT'
  /** A run is being written by another session (`run`, `run --resume`); the message names the holder. */
  | 'RUN_LOCKED'
  | 'FLEET_NO_WORKER'
  /** A submission under the same Idempotency-Key is still being started: ask again in a moment. */
  | 'SUBMISSION_IN_PROGRESS'
  /** An Idempotency-Key sent again with a different request body. */
  | 'IDEMPOTENCY_MISMATCH'
  /** A model's index stayed locked by another writer for longer than a writer ever holds it. */
  | 'STORE_LOCKED'
  | 'PATH_UNSAFE'
  /** An input file (suite, prompts, calibration) that is not a regular file or is over TEMPORALCI_MAX_FILE_MB. */
  | 'FILE_UNREADABLE'
  /** The fleet database cannot be reached, or refused the login (the message never shows a password). */
  | 'DATABASE_UNAVAILABLE'
  /** The fleet database's tables are missing, older or newer than this version (`temporalci db migrate`). */
  | 'DATABASE_SCHEMA'
  /** The fleet's artifact store (S3) is unreachable, missing or refuses this machine's credentials. */
  | 'STORE_UNAVAILABLE'
  /**
   * A folder TemporalCI writes to cannot take the write: full (ENOSPC, EDQUOT), read-only (EROFS),
   * not permitted (EACCES, EPERM) or a path through a regular file (ENOTDIR, EEXIST). The message names
   * the folder and the cause; it is the machine's state, not a bug.
   */
  | 'STORAGE_FAULT'
  /** A suite bundle that does not match its address, or holds entries that could escape its folder. */
  | 'BUNDLE_INVALID'
  /** The GitHub REST API (`pr-comment`) is unreachable or refused the request; never shows the token. */
  | 'GITHUB_API_FAILED'
  | 'INTERRUPTED'
  | 'INTERNAL';

export interface ErrorDetails {
  /** How to fix it, one line. */
  hint?: string;
  /** The file the problem is in, when there is one. */
  file?: string;
  cause?: unknown;
  /** Last lines of a log (an adapter's child process), kept with the per-sample error. */
  logTail?: string;
  /** Exit code of a child process (124 = killed on timeout, as coreutils `timeout`). */
  processExitCode?: number;
}

export class TemporalCIError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly logTail: string | undefined;
  readonly processExitCode: number | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TemporalCIError';
    this.code = code;
    this.hint = details.hint;
    this.file = details.file;
    this.logTail = details.logTail;
    this.processExitCode = details.processExitCode;
  }
}

/** One problem found in a suite file, with its position. `validate` collects all of them. */
export interface SuiteIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted path with indices, e.g. `gates[1].op`. */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

export class SuiteValidationError extends TemporalCIError {
  readonly issues: SuiteIssue[];

  /** `what`/`hint`: for other YAML files checked the same way (a soak config). */
  constructor(
    file: string,
    issues: SuiteIssue[],
    what = 'the suite',
    hint = 'fix the problems listed above, then run `temporalci validate` again',
  ) {
    super('SUITE_INVALID', `${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in ${what}`, {
      file,
      hint,
    });
    this.issues = issues;
  }
}

export function isTemporalCIError(e: unknown): e is TemporalCIError {
  return e instanceof TemporalCIError;
}

/** A short, single-line description of any thrown value, for per-sample error records. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
