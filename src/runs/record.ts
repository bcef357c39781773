import { isSequentialGate } from '../gates/registry.js';
import {
  exitCodeOf,
  type MetricSummary,
  RUN_SCHEMA_VERSION,
  type RunRecord,
  type RunStatus,
  type SampleRecord,
} from '../schema/run.js';
import { formatBaselineMode } from '../store/baseline.js';
import { deadlineRecord } from './deadline.js';
import { evaluateRun, gateHistory, type RunVerdict } from './evaluate-run.js';
import type { PreparedRun } from './prepare.js';
import { summarizeMetric } from './summarize.js';
import { describeMismatch } from './video-check.js';
import type { WaveOutcome } from './waves.js';

/** How a session ended, beyond its samples: what the engine knows when the waves are over. */
export interface SessionEnd {
  /** Run-level problems (the wave loop or a run-level metric failed). */
  errors: string[];
  /** Ctrl-C / SIGTERM before every sample finished. */
  interrupted: boolean;
}

/** The verdict of a finished session: pure, from the prepared run and what the waves produced. */
export interface Judgement {
  status: RunStatus;
  verdict: RunVerdict;
  measured: SampleRecord[];
  errors: string[];
  warnings: string[];
  summaries: Record<string, MetricSummary>;
  deadlineExceeded: boolean;
  stoppedEarly: boolean;
}

function runErrors(prep: PreparedRun, samples: readonly SampleRecord[], end: SessionEnd): string[] {
  const errors = [...end.errors];
  const measured = samples.filter((s) => s.error === null);
  const failed = samples.filter((s) => s.error !== null);
  if (end.interrupted) errors.push('interrupted before every sample finished');
  if (prep.planned.length === 0) errors.push('the suite planned no samples');
  else if (measured.length === 0) {
    const first = failed[0]?.error;
    errors.push(
      `no sample succeeded (${failed.length} failed${first ? `; first error, at ${first.stage}: ${first.message}` : ''})`,
    );
  } else if (failed.length / samples.length > prep.opts.maxFailedRatio) {
    errors.push(
      `${failed.length} of ${samples.length} generated samples failed, more than max_failed_ratio ${prep.opts.maxFailedRatio} allows`,
    );
  }
  return errors;
}

export function judge(prep: PreparedRun, outcome: WaveOutcome, end: SessionEnd): Judgement {
  const { opts, seq } = prep;
  const { samples, deadline } = outcome;
  const measured = samples.filter((s) => s.error === null);
  const deadlineExceeded = deadline !== null && deadline.trigger !== null;
  const errors = runErrors(prep, samples, end);
  const warnings: string[] = [];
  if (deadlineExceeded && opts.onDeadline === 'error') errors.push(`deadline_exceeded: ${deadline.reason}`);
  if (deadlineExceeded && opts.onDeadline !== 'error') {
    warnings.push(`deadline_exceeded: ${deadline.reason} (on_deadline: ${opts.onDeadline})`);
  }
  const mismatched = measured.filter((s) => s.video_mismatch !== undefined);
  if (mismatched.length > 0) {
    warnings.push(
      `video_mismatch: ${mismatched.length} measured sample(s) do not match the requested video (first: ${describeMismatch(mismatched[0]!.video_mismatch!)}); run.video_mismatch: warn measured them anyway`,
    );
  }
  const stoppedEarly = seq.stoppedEarly || deadlineExceeded;
  const summaries: Record<string, MetricSummary> = {};
  for (const m of prep.metrics) summaries[m.name] = summarizeMetric(m.name, m.def, m.params, measured);
  const verdict = evaluateRun(
    opts.gates,
    { samples: measured, metrics: summaries },
    prep.baseline?.run ?? null,
    gateHistory(opts.gates, prep.pastRuns),
    {
      sprt: seq.tracks,
      sequential: { planned: prep.planned.length, generated: samples.length, exhausted: !stoppedEarly },
      plannedIds: seq.plannedIds,
      multipleComparisons: prep.suite.config.run.multiple_comparisons,
    },
  );
  const failedVerdict =
    verdict.gateFailed ||
    (verdict.regressionFailed && !opts.ignoreRegression) ||
    (deadlineExceeded && opts.onDeadline === 'fail');
  const status: RunStatus = end.interrupted
    ? 'INTERRUPTED'
    : errors.length > 0
      ? 'ERROR'
      : failedVerdict
        ? 'FAIL'
        : 'PASS';
  return { status, verdict, measured, errors, warnings, summaries, deadlineExceeded, stoppedEarly };
}

/** What the record says about the machine and the checkout (gathered by the caller: I/O). */
export interface RecordEnvironment {
  git: RunRecord['git'];
  environment: RunRecord['environment'];
  finished: Date;
}

function sequentialRecord(prep: PreparedRun, generated: number): Pick<RunRecord, 'sequential'> {
  if (!prep.opts.gates.some(isSequentialGate)) return {};
  const { seq } = prep;
  const planned = prep.planned.length;
  return {
    sequential: {
      wave_size: seq.waveSize,
      shuffle_seed: prep.suite.config.run.shuffle_seed,
      waves: seq.waves,
      planned,
      generated,
      stopped_early: seq.stoppedEarly,
      reason: seq.stoppedEarly
        ? `every sprt_regression gate decided after ${generated} of ${planned} samples`
        : seq.fullSetReason
          ? `ran the full plan: ${seq.fullSetReason}`
          : 'ran the full plan: the SPRT gates had not all decided',
    },
  };
}

/** run.json of a session, pure: the same inputs give the same record on a laptop and on a fleet. */
export function buildRunRecord(
  prep: PreparedRun,
  outcome: WaveOutcome,
  j: Judgement,
  env: RecordEnvironment,
  warnings: readonly string[],
): RunRecord {
  const { opts, suite, model } = prep;
  const { samples } = outcome;
  const attempted = new Set(samples.map((s) => s.sample_id));
  // Samples planned but never started (an SPRT decision or the deadline stopped generation).
  const skipped = j.stoppedEarly ? prep.fullOrder.filter((p) => !attempted.has(p.sampleId)) : [];
  const deadline = outcome.deadline;
  return {
    schema_version: RUN_SCHEMA_VERSION,
    run_id: prep.key.runId,
    timestamp_utc: prep.started.toISOString(),
    finished_utc: env.finished.toISOString(),
    project: suite.config.project,
    suite_name: suite.config.suite_name,
    model_name: model.name,
    status: j.status,
    exit_code: exitCodeOf(j.status),
    suite: { path: suite.file, hash: suite.hash },
    git: env.git,
    environment: env.environment,
    baseline: {
      mode: formatBaselineMode(opts.baselineMode),
      run_id: prep.baseline?.runId ?? null,
      ...(prep.baseline === null && opts.baselineMode.kind !== 'none'
        ? { note: 'no earlier run qualified' }
        : {}),
    },
    settings: {
      workers: opts.workers,
      retries: opts.retries,
      max_failed_ratio: opts.maxFailedRatio,
      sample_limit: opts.sampleLimit ?? null,
      timeout_s: opts.timeoutS ?? null,
    },
    counts: {
      planned: prep.planned.length,
      generated: samples.filter((s) => s.video_path !== null || s.error?.stage !== 'generate').length,
      measured: j.measured.length,
      failed: samples.length - j.measured.length,
      skipped: skipped.length,
    },
    duration_s: (env.finished.getTime() - prep.started.getTime()) / 1000,
    samples,
    metrics: j.summaries,
    gates: j.verdict.gates,
    gate_failed: j.verdict.gateFailed,
    regressions: j.verdict.regressions,
    regression_failed: j.verdict.regressionFailed,
    ignore_regression: opts.ignoreRegression,
    errors: j.errors,
    warnings: [...warnings],
    artifacts: suite.config.artifacts,
    ...(deadline === null ? {} : { deadline: deadlineRecord(deadline, opts.onDeadline, outcome.elapsedS) }),
    ...(prep.sessions > 1
      ? { resumed: { sessions: prep.sessions, reused_samples: prep.reused.length } }
      : {}),
    ...(skipped.length > 0
      ? {
          skipped_samples: skipped.map((p) => ({
            sample_id: p.sampleId,
            test_id: p.testId,
            prompt: p.prompt,
            seed: p.seed,
          })),
        }
      : {}),
    ...sequentialRecord(prep, samples.length),
  };
}
