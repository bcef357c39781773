import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import type { RunState } from '../schema/files.js';
import type { SampleRecord } from '../schema/run.js';
import { lockRunDir } from './local.js';
import { describeHolder, releaseAtExit } from './lock.js';
import {
  appendSampleAt,
  readRecordAt,
  readSamplesAt,
  readStateAt,
  SAMPLES_FILE,
  writeStateAt,
} from './run-files.js';
import type { RunLock, Warn } from './types.js';

/** Where the lock's rare warnings (a stale lock recovered) go when `run` passes no `warn`. */
const processWarn: Warn = (m) => process.emitWarning(m, 'TemporalCIWarning');

/**
 * Resumable sessions on run-folder paths, as the engine and `run --resume` called them before the RunStore
 * port (`writeState`, `readState`, `appendSample`, `readSamples`, `lockRun`). The files are described in
 * src/store/run-files.ts.
 */
export { SAMPLES_FILE };

/** @deprecated engine migration: use `RunStore.writeState`. */
export function writeRunState(runDir: string, state: RunState): Promise<void> {
  return writeStateAt(runDir, state);
}

/**
 * @deprecated engine migration: use `RunStore.appendSample`.
 * Appends finished samples one line at a time; appends are serialised so concurrent workers never interleave.
 */
export class SampleLog {
  private chain: Promise<void> = Promise.resolve();
  constructor(readonly file: string) {}

  append(record: SampleRecord): Promise<void> {
    const next = this.chain.then(() => appendSampleAt(path.dirname(this.file), record));
    this.chain = next.catch(() => undefined); // the failure reaches this append's caller; the chain goes on
    return next;
  }
}

/** @deprecated engine migration: use `RunStore.readSamples`. */
export function readSampleLog(runDir: string, warn: Warn): Promise<SampleRecord[]> {
  return readSamplesAt(runDir, warn);
}

/** A finished run is not resumed: resuming would silently replace its verdict. */
async function assertResumable(runDir: string): Promise<void> {
  let status: string;
  try {
    status = (await readRecordAt(runDir)).status;
  } catch (e) {
    // No run.json (crashed), or one this version cannot read: samples.jsonl has the work either way.
    if (e instanceof TemporalCIError && (e.code === 'RUN_NOT_FOUND' || e.code === 'STORE_CORRUPT')) return;
    throw e;
  }
  if (status === 'PASS' || status === 'FAIL') {
    throw new TemporalCIError('USAGE', `run ${path.basename(runDir)} already finished with ${status}`, {
      hint: 'only interrupted, crashed or errored runs can be resumed; start a new run instead',
    });
  }
}

export interface ResumePlan {
  state: RunState;
  runDir: string;
  /** The artifacts root the run folder lives in (`<root>/<project>/<suite>/<model>/<run id>`). */
  artifactsDir: string;
  /** The run's lock, held by this session (released when the process exits). */
  lock: RunLock;
}

/**
 * @deprecated engine migration: reads and checks a run folder given to `run --resume`, and locks it.
 * Until the engine holds `RunStore.lockRun` for a session (and releases it when the session ends), this takes
 * the run lock for the rest of the process, so a second `--resume` of the same run exits 1 naming this one.
 */
export async function planResume(runDirArg: string, warn: Warn = processWarn): Promise<ResumePlan> {
  const runDir = path.resolve(runDirArg);
  const state = await readStateAt(runDir);
  if (path.basename(runDir) !== state.run_id) {
    throw new TemporalCIError('STORE_CORRUPT', `${runDir} holds the state of run ${state.run_id}`, {
      hint: 'run folders must keep the name of their run id',
    });
  }
  const artifactsDir = path.resolve(runDir, '..', '..', '..', '..');
  const expected = path.join(artifactsDir, state.project, state.suite_name, state.model_name, state.run_id);
  if (expected !== runDir) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `${runDir} is not inside an artifacts folder laid out as <project>/<suite>/<model>/<run id>`,
      { hint: `expected it at ${expected}` },
    );
  }
  // Locked before the finished-check, so that two sessions cannot both pass it.
  const held = await lockRunDir(runDir, state.run_id, warn);
  try {
    await assertResumable(runDir);
  } catch (e) {
    await held.release();
    throw e;
  }
  releaseAtExit(held);
  return {
    state,
    runDir,
    artifactsDir,
    lock: { holder: describeHolder(held.holder), release: () => held.release() },
  };
}

/** Samples are planned from the suite: resuming with a changed suite would mix two different plans. */
export function assertSameSuite(state: RunState, suiteFile: string, suiteHash: string): void {
  if (suiteHash !== state.suite.hash) {
    throw new TemporalCIError(
      'USAGE',
      `${suiteFile} changed since run ${state.run_id} started (suite hash differs)`,
      { hint: 'restore the suite as it was, or start a new run instead of resuming' },
    );
  }
}
