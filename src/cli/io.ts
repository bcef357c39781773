import pc from 'picocolors';
import { isTemporalCIError, SuiteValidationError } from '../errors.js';
import { asStorageFault, storageErrno } from '../platform/fs.js';
import { formatIssues } from '../suite/issues.js';

/** Plain output when stdout is not a terminal or when running in CI (logs must stay greppable). */
export function isInteractive(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.CI && !process.env.GITHUB_ACTIONS;
}

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function err(line = ''): void {
  process.stderr.write(`${line}\n`);
}

export function warn(message: string): void {
  err(`${useColor(process.stderr) ? pc.yellow('warning') : 'warning'}: ${message}`);
}

/**
 * The one place where errors become output. User mistakes print what, where and how to fix, never a stack
 * trace; only an unexpected internal error shows one, and only with TEMPORALCI_DEBUG=1.
 */
export function reportError(e: unknown): number {
  const red = (s: string) => (useColor(process.stderr) ? pc.red(s) : s);
  if (e instanceof SuiteValidationError) {
    err(formatIssues(e.issues));
    err(`${red('error')}: ${e.message}`);
    if (e.hint) err(`hint: ${e.hint}`);
    return 1;
  }
  if (isTemporalCIError(e)) {
    err(`${red('error')}: ${e.message}`);
    if (e.hint) err(`hint: ${e.hint}`);
    return e.code === 'INTERRUPTED' ? 130 : 1;
  }
  // A write a store did not wrap (a report, an output file) that met a full or read-only disk is the
  // machine's state, not a bug: the same message as STORAGE_FAULT, naming the path.
  const where = (e as NodeJS.ErrnoException | null)?.path;
  if (storageErrno(e) !== null && typeof where === 'string')
    return reportError(asStorageFault(e, where, 'writing'));
  const message = e instanceof Error ? e.message : String(e);
  err(`${red('internal error')}: ${message}`);
  if (process.env.TEMPORALCI_DEBUG && e instanceof Error && e.stack) err(e.stack);
  else err('hint: this is a bug in TemporalCI; rerun with TEMPORALCI_DEBUG=1 and report the stack trace');
  return 1;
}
