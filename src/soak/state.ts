import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { appendText, atomicWriteJson } from '../platform/fs.js';
import type { ProcessIdentity } from './proc.js';

/** The files of a soak's state folder, and their shapes. */

export type Phase = 'starting' | 'running' | 'stopping' | 'stopped' | 'finished' | 'crashed';
export type Outcome = 'pass' | 'fail' | 'error' | 'interrupted';

interface CurrentCycle {
  cycle: number;
  started_utc: string;
  /** The child `temporalci run`: its identity, so repair stops only that process group. */
  child: ProcessIdentity | null;
  /** Run folders of this cycle not finished yet, and the samples they hold. */
  run_dirs: string[];
  samples_done: number;
  resumed: boolean;
}

export interface JobStatus {
  name: string;
  suite: string;
  expect: 'pass' | 'fail';
  cycles_done: number;
  skipped_slots: number;
  last_outcomes: Outcome[];
  next_start_utc: string | null;
  current: CurrentCycle | null;
  done: boolean;
}

export interface SoakStatus {
  phase: Phase;
  pid: number;
  updated_utc: string;
  started_utc: string;
  jobs: JobStatus[];
}

export interface CycleRun {
  run_id: string;
  model: string;
  status: string;
  run_dir: string;
}

export interface CycleRecord {
  job: string;
  suite: string;
  cycle: number;
  started_utc: string;
  finished_utc: string;
  duration_s: number;
  exit_code: number | null;
  outcome: Outcome;
  expect: 'pass' | 'fail';
  as_expected: boolean;
  detector_miss: boolean;
  resumed: boolean;
  runs: CycleRun[];
  failures_by_stage: Record<string, number>;
}

export const files = (stateDir: string) => ({
  status: path.join(stateDir, 'status.json'),
  cycles: path.join(stateDir, 'cycles.jsonl'),
  telemetry: path.join(stateDir, 'telemetry.jsonl'),
  telemetryOld: path.join(stateDir, 'telemetry.1.jsonl'),
  summaryJson: path.join(stateDir, 'summary.json'),
  summaryMd: path.join(stateDir, 'summary.md'),
  cycleDir: path.join(stateDir, 'cycles'),
});

export function writeStatus(stateDir: string, status: SoakStatus): Promise<void> {
  return atomicWriteJson(files(stateDir).status, status);
}

export async function readStatus(stateDir: string): Promise<SoakStatus | null> {
  let raw: string;
  try {
    raw = await fs.readFile(files(stateDir).status, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return JSON.parse(raw) as SoakStatus;
  } catch {
    throw new TemporalCIError('STORE_CORRUPT', `${files(stateDir).status} is not valid JSON`, {
      hint: 'it is written atomically, so something else changed it; delete it to start the soak afresh',
    });
  }
}

export function appendCycle(stateDir: string, record: CycleRecord): Promise<void> {
  return appendText(files(stateDir).cycles, `${JSON.stringify(record)}\n`);
}

/** JSON lines of a file; a torn last line (a crash mid-append) is skipped, any other bad line is an error. */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = raw.split('\n');
  const out: T[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      if (i === lines.length - 1) continue;
      throw new TemporalCIError('STORE_CORRUPT', `${file}:${i + 1} is not valid JSON`, {
        hint: 'remove that line; the other lines are kept',
      });
    }
  }
  return out;
}

export interface Health {
  healthy: boolean;
  reason: string;
}

/**
 * Pure: is the soak healthy? Running means a verified live holder and a status younger than the staleness
 * limit, which the timer keeps true however long a cycle takes. A finished soak is healthy when every cycle
 * came out as expected.
 */
export function judgeHealth(
  status: SoakStatus | null,
  holder: 'alive' | 'dead' | 'reused' | 'none',
  ageS: number,
  staleAfterS: number,
  allAsExpected: boolean,
): Health {
  if (status === null) return { healthy: false, reason: 'the soak has never run (no status.json)' };
  if (holder === 'dead' || holder === 'reused')
    return {
      healthy: false,
      reason: 'the supervisor died without cleaning up (run `temporalci soak repair`)',
    };
  if (status.phase === 'finished')
    return allAsExpected
      ? { healthy: true, reason: 'finished; every cycle came out as expected' }
      : { healthy: false, reason: 'finished, but some cycles did not come out as expected' };
  if (holder === 'none') return { healthy: false, reason: `not running (phase ${status.phase})` };
  if (ageS > staleAfterS)
    return {
      healthy: false,
      reason: `status.json is ${Math.round(ageS)} s old (limit ${staleAfterS} s): the supervisor hangs`,
    };
  if (!allAsExpected)
    return { healthy: false, reason: 'running, but some cycles did not come out as expected' };
  return { healthy: true, reason: `running (phase ${status.phase})` };
}
