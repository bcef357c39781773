import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { createAdapter } from '../adapters/resolve.js';
import type { Adapter } from '../adapters/types.js';
import { describeError } from '../errors.js';
import { getMetric } from '../metrics/registry.js';
import { atomicWriteJson } from '../platform/fs.js';
import type { RunState } from '../schema/files.js';
import {
  type MetricSummary,
  RUN_SCHEMA_VERSION,
  type RunRecord,
  type RunStatus,
  type SampleRecord,
} from '../schema/run.js';
import type { GateConfig, ModelConfig } from '../schema/suite.js';
import { type BaselineMode, formatBaselineMode, selectBaseline } from '../store/baseline.js';
import { addToIndex, loadIndex, RUN_FILE, readRunRecord, type Warn } from '../store/local.js';
import { modelRoot as modelRootOf, newRunId, within } from '../store/paths.js';
import { readSampleLog, SAMPLES_FILE, SampleLog, writeRunState } from '../store/run-state.js';
import type { LoadedSuite } from '../suite/types.js';
import { locateFfmpeg } from '../video/ffmpeg.js';
import {
  type DeadlinePolicy,
  type DeadlineState,
  deadlineRecord,
  recordSampleTime,
  shouldStop,
  startDeadline,
} from './deadline.js';
import { gitInfo, TEMPORALCI_VERSION } from './environment.js';
import { evaluateRun, gateHistory } from './evaluate-run.js';
import { finalizeMetrics } from './finalize.js';
import { planSamples } from './plan.js';
import { rankSamplesForRetention, samplesToRetain } from './retention.js';
import { type ActiveMetric, runSample } from './sample-runner.js';
import { afterWave, generationOrder, type SequentialState, startSequential } from './sequential.js';
import { summarizeMetric } from './summarize.js';

export interface ModelRunOptions {
  artifactsDir: string;
  baselineMode: BaselineMode;
  gates: GateConfig[];
  workers: number;
  retries: number;
  timeoutS: number | undefined;
  maxFailedRatio: number;
  sampleLimit: number | undefined;
  ignoreRegression: boolean;
  /** Time budget of this session, seconds (`run.deadline_s` / `--deadline`); undefined = none. */
  deadlineS: number | undefined;
  onDeadline: DeadlinePolicy;
  /** Recorded in state.json so that `run --resume` applies it again. */
  tag: string | undefined;
  /** Continue this run (same id and folder), reusing the samples in its samples.jsonl. */
  resume?: ResumeTarget;
  signal: AbortSignal;
  warn: Warn;
  onSample?: (done: number, total: number, sample: SampleRecord) => void;
  onStart?: (info: { model: string; runId: string; runDir: string; planned: number }) => void;
}

export interface ResumeTarget {
  runDir: string;
  state: RunState;
}

export interface ModelRunResult {
  model: string;
  runDir: string;
  record: RunRecord;
}

function activeMetrics(suite: LoadedSuite): ActiveMetric[] {
  return suite.config.metrics.map((m) => {
    const def = getMetric(m.name);
    return { name: m.name.toLowerCase(), def, params: def.params.parse(m.params) };
  });
}

/** Deletes the videos a retention policy does not keep, and empty scratch folders. */
async function applyRetention(runDir: string, samples: SampleRecord[], keep: Set<string>): Promise<void> {
  for (const s of samples) {
    if (s.video_path === null) continue;
    if (keep.has(s.sample_id)) {
      s.retained = true;
      continue;
    }
    await fs.rm(within(runDir, s.video_path), { force: true });
    s.retained = false;
  }
  const work = path.join(runDir, 'work');
  for (const name of await fs.readdir(work).catch(() => [] as string[])) {
    await fs.rmdir(path.join(work, name)).catch(() => undefined); // non-empty = logs to keep
  }
  await fs.rmdir(work).catch(() => undefined);
}

/**
 * Runs one model of a suite end to end and writes its run.json. A failure of the run itself (not of a
 * sample) still writes a complete record with status ERROR, so nothing is ever left half-written.
 */
export async function runModel(
  suite: LoadedSuite,
  model: ModelConfig,
  opts: ModelRunOptions,
): Promise<ModelRunResult> {
  const sessionStart = performance.now();
  const started = opts.resume ? new Date(opts.resume.state.started_utc) : new Date();
  const root = modelRootOf(opts.artifactsDir, suite.config.project, suite.config.suite_name, model.name);
  const runId = opts.resume?.state.run_id ?? newRunId(started, randomBytes(2).toString('hex'));
  const runDir = opts.resume?.runDir ?? path.join(root, runId);
  const warnings: string[] = [...suite.warnings];
  const warn: Warn = (m) => {
    warnings.push(m);
    opts.warn(m);
  };
  // Everything that can fail for configuration reasons happens before any GPU time is spent.
  const metrics = activeMetrics(suite);
  const baseline = await selectBaseline(root, opts.baselineMode, undefined, warn);
  const planned = planSamples(model.name, suite.tests, opts.sampleLimit);
  const pastRuns: RunRecord[] = [];
  const windowSize = Math.max(0, ...opts.gates.map((g) => g.window));
  if (windowSize > 1) {
    const recent = (await loadIndex(root, warn))
      .filter((r) => r.run_id !== runId && (r.status === 'PASS' || r.status === 'FAIL'))
      .slice(-(windowSize - 1));
    for (const entry of recent.reverse()) {
      pastRuns.push(await readRunRecord(path.join(root, entry.run_id)));
    }
  }
  const settings = suite.config.run;
  const isPerSample = (metricPath: string): boolean => {
    const dot = metricPath.indexOf('.');
    const m = metrics.find((x) => x.name === (dot < 0 ? metricPath : metricPath.slice(0, dot)).toLowerCase());
    return m?.def.paths(m.params).includes(dot < 0 ? '' : metricPath.slice(dot + 1)) === true;
  };
  // Resuming: samples finished in earlier sessions are kept as they are; failed ones are tried again.
  const plannedIds = new Set(planned.map((p) => p.sampleId));
  const reused = opts.resume
    ? (await readSampleLog(runDir, warn)).filter((s) => s.error === null && plannedIds.has(s.sample_id))
    : [];
  const reusedIds = new Set(reused.map((s) => s.sample_id));
  const fullOrder = generationOrder(planned, settings.shuffle_seed);
  const order = fullOrder.filter((p) => !reusedIds.has(p.sampleId));
  const seq: SequentialState = startSequential(
    opts.gates,
    baseline?.run ?? null,
    order,
    settings.wave_size,
    isPerSample,
  );
  const adapter: Adapter = await createAdapter(model, suite.dir);
  await fs.mkdir(runDir, { recursive: true });
  const sessions = (opts.resume?.state.sessions ?? 0) + 1;
  await writeRunState(runDir, {
    schema_version: 1,
    run_id: runId,
    started_utc: started.toISOString(),
    project: suite.config.project,
    suite_name: suite.config.suite_name,
    model_name: model.name,
    suite: { path: suite.file, hash: suite.hash },
    options: {
      baseline_mode: formatBaselineMode(opts.baselineMode),
      sample_limit: opts.sampleLimit ?? null,
      workers: opts.workers,
      retries: opts.retries,
      timeout_s: opts.timeoutS ?? null,
      max_failed_ratio: opts.maxFailedRatio,
      ignore_regression: opts.ignoreRegression,
      deadline_s: opts.deadlineS ?? null,
      tag: opts.tag ?? null,
    },
    sessions,
  });
  opts.onStart?.({ model: model.name, runId, runDir, planned: planned.length });

  const errors: string[] = [];
  const samples: SampleRecord[] = [...reused];
  const sampleLog = new SampleLog(path.join(runDir, SAMPLES_FILE));
  // Deadline: predictive abort stops starting samples; reaching the budget also aborts the running ones.
  const deadline: DeadlineState | null =
    opts.deadlineS === undefined ? null : startDeadline(opts.deadlineS, opts.workers);
  const budgetOut = new AbortController();
  const budgetTimer =
    opts.deadlineS === undefined
      ? undefined
      : setTimeout(() => budgetOut.abort(new Error('deadline reached')), opts.deadlineS * 1000);
  const runSignal = AbortSignal.any([opts.signal, budgetOut.signal]);
  const elapsed = (): number => (performance.now() - sessionStart) / 1000;
  let finished = 0;
  const deadlineHit = (): boolean => {
    if (deadline === null) return false;
    if (budgetOut.signal.aborted) shouldStop(deadline, Number.POSITIVE_INFINITY, order.length - finished);
    return shouldStop(deadline, elapsed(), order.length - finished);
  };
  try {
    const limit = pLimit(opts.workers);
    let done = reused.length;
    const ctx = {
      adapter,
      modelName: model.name,
      runDir,
      metrics,
      retries: opts.retries,
      timeoutS: opts.timeoutS,
      signal: runSignal,
      artifactCodec: suite.config.artifacts.encode,
    };
    // Waves: bounded concurrency within a wave, a decision at every wave boundary (src/runs/sequential.ts).
    for (let start = 0; start < order.length && !runSignal.aborted && !deadlineHit(); ) {
      const wave = order.slice(start, start + seq.waveSize);
      const rows = await Promise.all(
        wave.map((p) =>
          limit(async (): Promise<SampleRecord | null> => {
            if (runSignal.aborted || deadlineHit()) return null;
            const t0 = performance.now();
            const row = await runSample(ctx, p);
            // A sample cut short by Ctrl-C or the deadline is not finished: it is neither recorded nor
            // persisted, so a resumed run generates it again.
            if (row.error !== null && runSignal.aborted) return null;
            finished++;
            if (deadline !== null) recordSampleTime(deadline, (performance.now() - t0) / 1000);
            await sampleLog.append(row);
            done++;
            opts.onSample?.(done, planned.length, row);
            return row;
          }),
        ),
      );
      samples.push(...rows.filter((r): r is SampleRecord => r !== null));
      start += wave.length;
      if (afterWave(seq, opts.gates, samples, order.length - start)) break;
    }
    // Run-level metrics (external judges, VBench results) see all samples at once; a failure here is a
    // run error, never a silent pass (src/runs/finalize.ts).
    if (!opts.signal.aborted) {
      await finalizeMetrics(metrics, samples, { runDir, suiteDir: suite.dir, signal: opts.signal });
    }
  } catch (e) {
    errors.push(`run failed: ${describeError(e)}`);
  } finally {
    clearTimeout(budgetTimer);
    await adapter
      .close?.()
      .catch((e: unknown) => warn(`adapter ${model.adapter} did not close: ${describeError(e)}`));
  }

  const measured = samples.filter((s) => s.error === null);
  const failed = samples.filter((s) => s.error !== null);
  const interrupted = opts.signal.aborted;
  const deadlineExceeded = deadline !== null && deadline.trigger !== null;
  if (interrupted) errors.push('interrupted before every sample finished');
  if (deadlineExceeded && opts.onDeadline === 'error') errors.push(`deadline_exceeded: ${deadline.reason}`);
  if (deadlineExceeded && opts.onDeadline !== 'error') {
    warn(`deadline_exceeded: ${deadline.reason} (on_deadline: ${opts.onDeadline})`);
  }
  if (planned.length === 0) errors.push('the suite planned no samples');
  else if (measured.length === 0) {
    const first = failed[0]?.error;
    errors.push(
      `no sample succeeded (${failed.length} failed${first ? `; first error, at ${first.stage}: ${first.message}` : ''})`,
    );
  } else if (failed.length / samples.length > opts.maxFailedRatio) {
    errors.push(
      `${failed.length} of ${samples.length} generated samples failed, more than max_failed_ratio ${opts.maxFailedRatio} allows`,
    );
  }
  const attemptedIds = new Set(samples.map((s) => s.sample_id));
  const stoppedEarly = seq.stoppedEarly || deadlineExceeded;
  const skipped = stoppedEarly ? fullOrder.filter((p) => !attemptedIds.has(p.sampleId)) : [];

  const summaries: Record<string, MetricSummary> = {};
  for (const m of metrics) summaries[m.name] = summarizeMetric(m.name, m.def, m.params, measured);
  const run = { samples: measured, metrics: summaries };
  const verdict = evaluateRun(opts.gates, run, baseline?.run ?? null, gateHistory(opts.gates, pastRuns), {
    sprt: seq.tracks,
    sequential: { planned: planned.length, generated: samples.length, exhausted: !stoppedEarly },
    plannedIds: seq.plannedIds,
    multipleComparisons: settings.multiple_comparisons,
  });
  const status: RunStatus = interrupted
    ? 'INTERRUPTED'
    : errors.length > 0
      ? 'ERROR'
      : verdict.gateFailed ||
          (verdict.regressionFailed && !opts.ignoreRegression) ||
          (deadlineExceeded && opts.onDeadline === 'fail')
        ? 'FAIL'
        : 'PASS';

  // An interrupted run keeps every video: a resumed session measures nothing again but ranks all of them.
  if (!interrupted) {
    const ranked = rankSamplesForRetention(measured, opts.gates, baseline?.run ?? null);
    await applyRetention(runDir, samples, samplesToRetain(suite.config.artifacts, status, ranked));
  }

  const ffmpeg = await locateFfmpeg().catch(() => null);
  const record: RunRecord = {
    schema_version: RUN_SCHEMA_VERSION,
    run_id: runId,
    timestamp_utc: started.toISOString(),
    finished_utc: new Date().toISOString(),
    project: suite.config.project,
    suite_name: suite.config.suite_name,
    model_name: model.name,
    status,
    exit_code: status === 'INTERRUPTED' ? 130 : status === 'ERROR' ? 1 : status === 'FAIL' ? 2 : 0,
    suite: { path: suite.file, hash: suite.hash },
    git: await gitInfo(suite.dir),
    environment: {
      temporalci: TEMPORALCI_VERSION,
      node: process.version,
      platform: `${os.platform()}-${os.arch()}`,
      ffmpeg: ffmpeg ? { version: ffmpeg.version, source: ffmpeg.source } : null,
    },
    baseline: {
      mode: formatBaselineMode(opts.baselineMode),
      run_id: baseline?.runId ?? null,
      ...(baseline === null && opts.baselineMode.kind !== 'none' ? { note: 'no earlier run qualified' } : {}),
    },
    settings: {
      workers: opts.workers,
      retries: opts.retries,
      max_failed_ratio: opts.maxFailedRatio,
      sample_limit: opts.sampleLimit ?? null,
      timeout_s: opts.timeoutS ?? null,
    },
    counts: {
      planned: planned.length,
      generated: samples.filter((s) => s.video_path !== null || s.error?.stage !== 'generate').length,
      measured: measured.length,
      failed: failed.length,
      skipped: skipped.length,
    },
    duration_s: (Date.now() - started.getTime()) / 1000,
    samples,
    metrics: summaries,
    gates: verdict.gates,
    gate_failed: verdict.gateFailed,
    regressions: verdict.regressions,
    regression_failed: verdict.regressionFailed,
    ignore_regression: opts.ignoreRegression,
    errors,
    warnings,
    artifacts: suite.config.artifacts,
    ...(deadline === null ? {} : { deadline: deadlineRecord(deadline, opts.onDeadline, elapsed()) }),
    ...(sessions > 1 ? { resumed: { sessions, reused_samples: reused.length } } : {}),
    // Samples planned but never started (an SPRT decision or the deadline stopped generation).
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
    ...(opts.gates.some((g) => g.method === 'sprt_regression')
      ? {
          sequential: {
            wave_size: seq.waveSize,
            shuffle_seed: settings.shuffle_seed,
            waves: seq.waves,
            planned: planned.length,
            generated: samples.length,
            stopped_early: seq.stoppedEarly,
            reason: seq.stoppedEarly
              ? `every sprt_regression gate decided after ${samples.length} of ${planned.length} samples`
              : seq.fullSetReason
                ? `ran the full plan: ${seq.fullSetReason}`
                : 'ran the full plan: the SPRT gates had not all decided',
          },
        }
      : {}),
  };
  await atomicWriteJson(path.join(runDir, RUN_FILE), record);
  await addToIndex(root, record, warn);
  return { model: model.name, runDir, record };
}
