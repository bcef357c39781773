import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { atomicWriteJson } from '../platform/fs.js';
import { type RunState, STATE_SCHEMA_VERSION } from '../schema/files.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import { RUN_FILE, type Warn } from './local.js';

/**
 * Incremental run state (seed 004: a crash must not cost the work already done). A run folder holds, from
 * the moment generation starts:
 * - `state.json`: what is needed to continue the run (suite file and hash, model, options), written once
 *   per session, atomically;
 * - `samples.jsonl`: one finished sample per line, appended as each sample finishes. SIGKILL can tear at
 *   most the last line, which the reader skips.
 * `run.json` appears only when a session ends (finished, interrupted or error); a crashed run has none.
 */
export const STATE_FILE = 'state.json';
export const SAMPLES_FILE = 'samples.jsonl';

export function writeRunState(runDir: string, state: RunState): Promise<void> {
  return atomicWriteJson(path.join(runDir, STATE_FILE), state);
}

export async function readRunState(runDir: string): Promise<RunState> {
  const file = path.join(runDir, STATE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new TemporalCIError(
      'RUN_NOT_FOUND',
      `cannot resume ${runDir}: no readable ${STATE_FILE} (${describeError(e)})`,
      {
        hint: 'pass the run folder printed as "run dir:" by the interrupted run',
      },
    );
  }
  let parsed: Partial<RunState>;
  try {
    parsed = JSON.parse(text) as Partial<RunState>;
  } catch (e) {
    throw new TemporalCIError('STORE_CORRUPT', `${file} is not valid JSON: ${describeError(e)}`);
  }
  if (
    parsed.schema_version !== STATE_SCHEMA_VERSION ||
    typeof parsed.run_id !== 'string' ||
    typeof parsed.model_name !== 'string' ||
    typeof parsed.suite?.path !== 'string' ||
    typeof parsed.options !== 'object' ||
    parsed.options === null
  ) {
    throw new TemporalCIError('STORE_CORRUPT', `${file} is not a TemporalCI run state`, {
      hint: `this version reads state schema_version ${STATE_SCHEMA_VERSION}`,
    });
  }
  return parsed as RunState;
}

/** Appends finished samples one line at a time; appends are serialised so concurrent workers never interleave. */
export class SampleLog {
  private chain: Promise<void> = Promise.resolve();
  constructor(readonly file: string) {}

  append(record: SampleRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    // One write per line, with O_APPEND: a crash leaves whole lines plus at most one torn tail.
    const next = this.chain.then(() => fs.appendFile(this.file, line));
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** Every complete sample line of a run folder; the last one wins when a sample appears twice. */
export async function readSampleLog(runDir: string, warn: Warn): Promise<SampleRecord[]> {
  const file = path.join(runDir, SAMPLES_FILE);
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw new TemporalCIError('STORE_CORRUPT', `cannot read ${file}: ${describeError(e)}`);
  });
  const byId = new Map<string, SampleRecord>();
  let torn = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const rec = JSON.parse(line) as Partial<SampleRecord>;
      if (typeof rec.sample_id !== 'string') throw new Error('no sample_id');
      byId.set(rec.sample_id, rec as SampleRecord);
    } catch {
      torn++;
    }
  }
  if (torn > 0)
    warn(`${file}: skipped ${torn} incomplete line(s) (a crash mid-write); those samples run again`);
  return [...byId.values()];
}

/** A finished run is not resumed: resuming would silently replace its verdict. */
export async function assertResumable(runDir: string): Promise<void> {
  const text = await fs.readFile(path.join(runDir, RUN_FILE), 'utf8').catch(() => null);
  if (text === null) return; // crashed: no run.json at all
  let status: RunRecord['status'] | undefined;
  try {
    status = (JSON.parse(text) as Partial<RunRecord>).status;
  } catch {
    return; // a torn run.json is as good as none; samples.jsonl has the work
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

/** Reads and checks a run folder given to `run --resume`. */
export async function planResume(runDirArg: string): Promise<ResumePlan> {
  const runDir = path.resolve(runDirArg);
  const state = await readRunState(runDir);
  if (path.basename(runDir) !== state.run_id) {
    throw new TemporalCIError('STORE_CORRUPT', `${runDir} holds the state of run ${state.run_id}`, {
      hint: 'run folders must keep the name of their run id',
    });
  }
  await assertResumable(runDir);
  const artifactsDir = path.resolve(runDir, '..', '..', '..', '..');
  const expected = path.join(artifactsDir, state.project, state.suite_name, state.model_name, state.run_id);
  if (expected !== runDir) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `${runDir} is not inside an artifacts folder laid out as <project>/<suite>/<model>/<run id>`,
      {
        hint: `expected it at ${expected}`,
      },
    );
  }
  return { state, runDir, artifactsDir };
}

/** Samples are planned from the suite: resuming with a changed suite would mix two different plans. */
export function assertSameSuite(state: RunState, suiteFile: string, suiteHash: string): void {
  if (suiteHash !== state.suite.hash) {
    throw new TemporalCIError(
      'USAGE',
      `${suiteFile} changed since run ${state.run_id} started (suite hash differs)`,
      {
        hint: 'restore the suite as it was, or start a new run instead of resuming',
      },
    );
  }
}
