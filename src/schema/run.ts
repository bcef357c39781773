import type { GateDetail } from './gate-trace.js';
import type { ArtifactsConfig, GateAggregate, GateMethod, GateOp, VideoSettings } from './suite.js';
import type { MetricValues } from './values.js';

export const RUN_SCHEMA_VERSION = 1;

/**
 * PASS and FAIL are verdicts (exit 0 and 2); ERROR means the run could not produce a verdict (exit 1);
 * INTERRUPTED is a run stopped by Ctrl-C or SIGTERM (exit 130): partial, resumable with `run --resume`, and
 * never a baseline.
 */
export type RunStatus = 'PASS' | 'FAIL' | 'ERROR' | 'INTERRUPTED';

export type ExitCode = 0 | 1 | 2 | 130;

const EXIT_CODES: Record<RunStatus, ExitCode> = { PASS: 0, FAIL: 2, ERROR: 1, INTERRUPTED: 130 };

/** The one mapping from a run's status to the process exit code. */
export function exitCodeOf(status: RunStatus): ExitCode {
  return EXIT_CODES[status];
}

/**
 * The exit code of several runs (a suite, a suite folder): 1 when any could not reach a verdict (ERROR,
 * INTERRUPTED, or a model that never ran), else 2 when any failed, else 0.
 */
export function worstExitCode(statuses: readonly RunStatus[], allRan = true): 0 | 1 | 2 {
  if (!allRan || statuses.some((s) => s === 'ERROR' || s === 'INTERRUPTED')) return 1;
  return statuses.includes('FAIL') ? 2 : 0;
}

/**
 * `store`: the finished sample's files could not be put into the artifact store. `worker_lost`: on a fleet,
 * every worker that leased the sample died or stalled past its lease, `max_attempts` times (src/fleet/waves).
 */
export type SampleStage = 'generate' | 'probe' | 'decode' | 'metrics' | 'encode' | 'store' | 'worker_lost';

export interface SampleError {
  stage: SampleStage;
  code: string;
  message: string;
  /** Tail of the adapter's log, when there is one. */
  log_tail?: string;
  /** Exit code of the adapter's child process (124 = killed on timeout). */
  exit_code?: number;
}

export interface SampleRecord {
  sample_id: string;
  test_id: string;
  prompt: string;
  seed: number;
  /** T2VSafetyBench class (1–14) of the prompt, present only when a `prompt_source` supplied one. */
  prompt_class?: number;
  video_settings: VideoSettings;
  /** Path of the kept video, relative to the run folder; null when not kept or not generated. */
  video_path: string | null;
  video: { width: number; height: number; fps: number; frame_count: number; codec: string } | null;
  retained: boolean;
  attempts: number;
  /** Seconds per stage. */
  timings: Partial<Record<SampleStage, number>>;
  error: SampleError | null;
  /** The video does not match the request (frame count, fps or size): what was asked and what came. */
  video_mismatch?: VideoMismatch;
  /** Per-metric values for this sample (absent when the sample failed before measurement). */
  metrics: Record<string, MetricValues>;
  metadata: Record<string, unknown>;
}

export interface VideoMismatch {
  expected: { num_frames: number; fps: number; width: number; height: number };
  got: { num_frames: number; fps: number; width: number; height: number };
  /** The fields that differ. */
  fields: ('num_frames' | 'fps' | 'width' | 'height')[];
}

export interface MetricSummary {
  /** Mean of every per-sample leaf, plus the metric's own run-level values (counts, rates). */
  values: MetricValues;
  sample_count: number;
}

export interface GateResult {
  index: number;
  metric: string;
  op: GateOp;
  value: number | string | boolean;
  method: GateMethod;
  aggregate: GateAggregate;
  /** The measured value the gate compared; null when the metric is missing. */
  actual: number | null;
  /** How many samples the value was computed from. */
  sample_count: number;
  passed: boolean;
  reason: string;
  /** Windowed gates: the failure count over the window that decided. */
  window?: { size: number; failures: number; min_failures: number };
  /** Passed, but with a caveat a reader must see (e.g. aspects not evaluated, allowed by the gate's params). */
  warning?: string;
  /**
   * The statistical gates' typed trace (src/schema/gate-trace.ts); threshold gates write none. A record from
   * before the typed trace may hold a LegacyGateDetail: read it with `readGateTrace`, never by key.
   */
  detail?: GateDetail;
}

export interface RegressionResult {
  gate_index: number;
  metric: string;
  aggregate: GateAggregate;
  direction: 'higher_is_better' | 'lower_is_better';
  baseline: number;
  current: number;
  /** current − baseline. */
  delta: number;
  /** delta / |baseline| (null when the baseline is 0). */
  relative_delta: number | null;
  tolerance: { min_absolute_change: number; min_relative_change: number };
  regressed: boolean;
  /** How the change was judged (absent in runs recorded before the statistical check). */
  test?: RegressionTest;
}

export interface RegressionTest {
  /** paired: per-sample deltas by sample_id; unpaired: the two runs as wholes (Welch); mean: the aggregates. */
  kind: 'paired' | 'unpaired' | 'mean';
  /** Samples the test used (pairs for paired, both runs for unpaired). */
  n: number;
  /** Two-sided p-value; null for the plain mean comparison. */
  p_value: number | null;
  /** log: compared as log-ratios (content-scaled metrics); baseline/current are then geometric means. */
  scale: 'linear' | 'log';
  /** Why the comparison is weaker than a full pairing, shown with the result. */
  note?: string;
}

export interface RunRecord {
  schema_version: typeof RUN_SCHEMA_VERSION;
  run_id: string;
  timestamp_utc: string;
  finished_utc: string;
  project: string;
  suite_name: string;
  model_name: string;
  status: RunStatus;
  exit_code: ExitCode;
  suite: { path: string; hash: string };
  git: { commit: string; branch: string | null; dirty: boolean } | null;
  environment: {
    temporalci: string;
    node: string;
    platform: string;
    ffmpeg: { version: string; source: string } | null;
  };
  baseline: { mode: string; run_id: string | null; note?: string };
  settings: {
    workers: number;
    retries: number;
    max_failed_ratio: number;
    sample_limit: number | null;
    timeout_s: number | null;
  };
  /** `skipped`: planned samples never generated because the SPRT gates decided first (absent in old runs). */
  counts: { planned: number; generated: number; measured: number; failed: number; skipped?: number };
  duration_s: number;
  samples: SampleRecord[];
  metrics: Record<string, MetricSummary>;
  gates: GateResult[];
  gate_failed: boolean;
  regressions: RegressionResult[];
  regression_failed: boolean;
  ignore_regression: boolean;
  /** Why the run is ERROR, or other run-level problems. */
  errors: string[];
  warnings: string[];
  tag?: string;
  note?: string;
  /** Sequential generation (runs with sprt_regression gates): waves, and whether it stopped early. */
  sequential?: SequentialRecord;
  /** Planned samples not generated because generation stopped early; `samples` lists only attempted ones. */
  skipped_samples?: SkippedSample[];
  /** The run's time budget (`run.deadline_s` / `--deadline`) and whether it stopped generation. */
  deadline?: DeadlineRecord;
  /** Set when the run was continued with `run --resume`: how many samples were reused from earlier sessions. */
  resumed?: { sessions: number; reused_samples: number };
  /** The suite's `artifacts` policy, so `report --run-dir` regenerates the page the run wrote (absent in old
   * runs, which regenerate with the defaults: flagged samples blurred). */
  artifacts?: ArtifactsConfig;
}

export interface DeadlineRecord {
  deadline_s: number;
  policy: 'error' | 'fail' | 'evaluate';
  /** True when generation stopped because of the deadline (`deadline_exceeded`). */
  exceeded: boolean;
  /** predicted: remaining samples × p90 sample time would not fit; reached: the budget ran out. */
  trigger: 'predicted' | 'reached' | null;
  reason: string | null;
  /** Seconds of this session's budget used when generation stopped or finished. */
  elapsed_s: number;
  /** p90 of the wall time of the samples finished in this session, seconds (null before any finished). */
  p90_sample_s: number | null;
}

interface SkippedSample {
  sample_id: string;
  test_id: string;
  prompt: string;
  seed: number;
}

interface SequentialRecord {
  wave_size: number;
  shuffle_seed: number;
  waves: number;
  planned: number;
  generated: number;
  stopped_early: boolean;
  /** Why: every SPRT gate decided, or why the run could not stop early. */
  reason: string;
}
