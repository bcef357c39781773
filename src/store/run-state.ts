import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import type { RunState } from '../schema/files.js';
import { readRecordAt, readStateAt } from './run-files.js';

/** `run --resume <run_dir>`: the checks on the folder given, before the session locks and continues it. */

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
}

/**
 * Reads and checks a run folder given to `run --resume`, so that a wrong folder fails before anything else.
 * The session itself locks the run (`RunStore.lockRun`, src/runs/prepare.ts) and checks again under the lock
 * that the run has not finished meanwhile, so two sessions can never both continue it.
 */
export async function planResume(runDirArg: string): Promise<ResumePlan> {
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
  await assertResumable(runDir);
  return { state, runDir, artifactsDir };
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
