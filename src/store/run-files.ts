import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { atomicWriteJson, fileSize, growReserve } from '../platform/fs.js';
import type { RunState } from '../schema/files.js';
import { checkStored, parseStored, RUN_RECORD_FILE, RUN_STATE_FILE, SAMPLE_LINE } from '../schema/readers.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import type { Warn } from './types.js';

/**
 * The files of one run folder that the store owns (artifacts are the rest):
 * - `run.json`: the record, written when a session ends (finished, interrupted or error); a crashed run
 *   has none;
 * - `state.json`: what is needed to continue the run (suite file and hash, model, options), written once
 *   per session, atomically;
 * - `samples.jsonl`: one finished sample per line, appended as each sample finishes. SIGKILL can tear at
 *   most the last line, which the reader skips;
 * - `run.lock`: held by the session writing the run;
 * - `run.json.reserve`: space held for run.json while the session runs (see RECORD_RESERVE_FILE).
 */
export const RUN_FILE = 'run.json';
const STATE_FILE = 'state.json';
const SAMPLES_FILE = 'samples.jsonl';
export const RUN_LOCK_FILE = 'run.lock';
/**
 * Space held for the record while a session writes the run: zeros, given back just before run.json is
 * written, so a disk that fills up during the run still takes its complete ERROR record.
 */
export const RECORD_RESERVE_FILE = 'run.json.reserve';

/** Names an artifact may not take: they are the run's own records. */
export const STORE_FILES: ReadonlySet<string> = new Set([
  RUN_FILE,
  STATE_FILE,
  SAMPLES_FILE,
  RUN_LOCK_FILE,
  RECORD_RESERVE_FILE,
]);

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

export async function readRecordAt(runDir: string): Promise<RunRecord> {
  const file = path.join(runDir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new TemporalCIError('RUN_NOT_FOUND', `cannot read ${file}: ${describeError(e)}`, {
      hint: 'check the run folder; `temporalci history` lists the runs',
    });
  }
  return parseStored(RUN_RECORD_FILE, text, file);
}

/** True when the folder holds a run.json (readable or not): it is a finished session's folder. */
export async function hasRecord(runDir: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(runDir, RUN_FILE))).isFile();
  } catch (e) {
    if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw e;
  }
}

export function writeStateAt(runDir: string, state: RunState): Promise<void> {
  return atomicWriteJson(path.join(runDir, STATE_FILE), state);
}

export async function readStateAt(runDir: string): Promise<RunState> {
  const file = path.join(runDir, STATE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new TemporalCIError(
      'RUN_NOT_FOUND',
      `cannot resume ${runDir}: no readable ${STATE_FILE} (${describeError(e)})`,
      { hint: 'pass the run folder printed as "run dir:" by the interrupted run' },
    );
  }
  return parseStored(RUN_STATE_FILE, text, file);
}

/**
 * run.json holds every sample line again, pretty-printed (indentation, spaces after colons): measured
 * at about 1.6× the compact line; 3× leaves room for deep metric values.
 */
const RECORD_BYTES_PER_SAMPLE_BYTE = 3;
/** The rest of the record (gates, summary, environment, warnings), with a wide margin. */
const RECORD_BASE_BYTES = 256 * 1024;

/** Holds the space a session's record will need: its base plus the samples a resumed run already has. */
export async function reserveRecordAt(runDir: string): Promise<void> {
  const file = path.join(runDir, RECORD_RESERVE_FILE);
  await fs.rm(file, { force: true });
  const samples = (await fileSize(path.join(runDir, SAMPLES_FILE))) ?? 0;
  await growReserve(file, RECORD_BASE_BYTES + samples * RECORD_BYTES_PER_SAMPLE_BYTE);
}

/** Gives the held space back (just before run.json is written, or when the session ends without one). */
export function releaseRecordReserveAt(runDir: string): Promise<void> {
  return fs.rm(path.join(runDir, RECORD_RESERVE_FILE), { force: true });
}

/**
 * One write per line, with O_APPEND: a crash leaves whole lines plus at most one torn tail. The record's
 * reserve grows first by what this sample adds to run.json, so a full disk stops the run while its
 * record still fits.
 */
export async function appendSampleAt(runDir: string, sample: SampleRecord): Promise<void> {
  await fs.mkdir(runDir, { recursive: true });
  const line = `${JSON.stringify(sample)}\n`;
  await growReserve(path.join(runDir, RECORD_RESERVE_FILE), line.length * RECORD_BYTES_PER_SAMPLE_BYTE);
  await fs.appendFile(path.join(runDir, SAMPLES_FILE), line);
}

/** Every complete sample line of a run folder; the last one wins when a sample appears twice. */
export async function readSamplesAt(runDir: string, warn: Warn): Promise<SampleRecord[]> {
  const file = path.join(runDir, SAMPLES_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (isMissing(e)) return [];
    throw new TemporalCIError('STORE_CORRUPT', `cannot read ${file}: ${describeError(e)}`, { file });
  }
  return parseSampleLines(text, file, warn);
}

/** The sample log's reader, shared with the in-memory store so both skip the same torn lines. */
export function parseSampleLines(text: string, where: string, warn: Warn): SampleRecord[] {
  const byId = new Map<string, SampleRecord>();
  let torn = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      torn++;
      continue;
    }
    const sample = checkStored(SAMPLE_LINE, value);
    if (sample === null) torn++;
    else byId.set(sample.sample_id, sample);
  }
  if (torn > 0)
    warn(`${where}: skipped ${torn} incomplete line(s) (a crash mid-write); those samples run again`);
  return [...byId.values()];
}
