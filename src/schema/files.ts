import type { RunStatus } from './run.js';
import type { GateConfig } from './suite.js';

/** The files a local store writes beside run.json: the model's index.json entries and a run's state.json. */

/** One run in a model's history (index.json `runs[]`). */
export interface IndexEntry {
  run_id: string;
  timestamp_utc: string;
  status: RunStatus;
  samples_planned: number;
  samples_measured: number;
  gate_failed: boolean;
  regression_failed: boolean;
}

export const STATE_SCHEMA_VERSION = 1;

interface RunStateOptions {
  baseline_mode: string;
  sample_limit: number | null;
  workers: number;
  retries: number;
  timeout_s: number | null;
  max_failed_ratio: number;
  ignore_regression: boolean;
  deadline_s: number | null;
  tag: string | null;
  /**
   * What else decides the verdict, so that every session of a run is judged by the same rules. Absent in
   * states written before they were recorded; a resumed session then takes them from the suite and flags.
   */
  on_deadline?: 'error' | 'fail' | 'evaluate';
  /** The gates after `--gate-override`s were merged in. */
  gates?: GateConfig[];
  /** The baseline the first session chose (a resumed session pairs with the same run). */
  baseline_run_id?: string | null;
}

export interface RunState {
  schema_version: typeof STATE_SCHEMA_VERSION;
  run_id: string;
  started_utc: string;
  project: string;
  suite_name: string;
  model_name: string;
  /** Absolute path of the suite file, and the hash its samples were planned from. */
  suite: { path: string; hash: string };
  options: RunStateOptions;
  /** Sessions so far, this one included (1 for a run never resumed). */
  sessions: number;
}
