import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TemporalCIError } from '../../errors.js';
import { err, reportError } from '../io.js';
import type { RunFlags } from './run-flags.js';

/**
 * `run --watch`: run, then run again each time the suite file's content changes, until Ctrl-C. The original
 * re-ran on a timer and returned 0 on Ctrl-C whatever the runs said; here Ctrl-C while waiting exits with
 * the last run's code, and Ctrl-C during a run interrupts it (exit 130). A run that cannot start (the suite
 * was saved half-edited) prints its problems and the watch goes on: the next save runs again.
 */

async function contentHash(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await fs.readFile(file))
      .digest('hex');
  } catch {
    // Being rewritten (an editor's rename-save): look again at the next tick.
    return undefined;
  }
}

/** Resolves with the new hash when the file's content differs from `seen`, or undefined when stopped. */
async function nextChange(
  file: string,
  seen: string | undefined,
  intervalMs: number,
  signal: AbortSignal,
): Promise<string | undefined> {
  while (!signal.aborted) {
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return undefined;
    const now = await contentHash(file);
    if (now !== undefined && now !== seen) return now;
  }
  return undefined;
}

export async function watchRuns(
  suiteArg: string | undefined,
  flags: RunFlags,
  runOnce: (flags: RunFlags) => Promise<0 | 1 | 2>,
  every: number | true,
): Promise<0 | 1 | 2> {
  if (suiteArg === undefined || flags.resume !== undefined || flags.coordinatorUrl !== undefined) {
    throw new TemporalCIError('USAGE', '--watch needs a suite file, and no --resume or --coordinator-url', {
      hint: 'temporalci run suite.yaml --watch',
    });
  }
  const intervalMs = (every === true ? 1 : every) * 1000;
  let last: 0 | 1 | 2 = 0;
  let seen = await contentHash(suiteArg);
  for (;;) {
    try {
      last = await runOnce(flags);
    } catch (e) {
      if (e instanceof TemporalCIError && e.code === 'INTERRUPTED') throw e;
      last = reportError(e) === 0 ? 0 : 1;
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // Said only once Ctrl-C is ours: a signal sent on reading this line must find the handler.
    err(`watching ${suiteArg}: runs again when it changes (Ctrl-C stops)`);
    try {
      seen = await nextChange(suiteArg, seen, intervalMs, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (seen === undefined) return last;
  }
}
