import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { createAdapter } from '../adapters/resolve.js';
import type { Adapter } from '../adapters/types.js';
import { describeError } from '../errors.js';
import { getMetric } from '../metrics/registry.js';
import type { GateConfig, ModelConfig } from '../suite/schema.js';
import type { LoadedSuite } from '../suite/types.js';
import { locateFfmpeg } from '../video/ffmpeg.js';
import { type BaselineMode, formatBaselineMode, selectBaseline } from './baseline.js';
import { gitInfo, TEMPORALCI_VERSION } from './environment.js';
import { evaluateRun, gateHistory } from './evaluate-run.js';
import { finalizeMetrics } from './finalize.js';
import { modelRoot as modelRootOf, newRunId, within } from './paths.js';
import { planSamples } from './plan.js';
import { rankSamplesForRetention, samplesToRetain } from './retention.js';
import { type ActiveMetric, runSample } from './sample-runner.js';
import { afterWave, generationOrder, type SequentialState, startSequential } from './sequential.js';
import { addToIndex, atomicWriteJson, loadIndex, RUN_FILE, readRunRecord, type Warn } from './store.js';
import { summarizeMetric } from './summarize.js';
import {
  type MetricSummary,
  RUN_SCHEMA_VERSION,
  type RunRecord,
  type RunStatus,
  type SampleRecord,
} from './types.js';

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
  signal: AbortSignal;
  warn: Warn;
  onSample?: (done: number, total: number, sample: SampleRecord) => void;
  onStart?: (info: { model: string; runId: string; runDir: string; planned: number }) => void;
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
  const started = new Date();
  const root = modelRootOf(opts.artifactsDir, suite.config.project, suite.config.suite_name, model.name);
  const runId = newRunId(started, randomBytes(2).toString('hex'));
  const runDir = path.join(root, runId);
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
    const recent = (await loadIndex(root, warn)).filter((r) => r.status !== 'ERROR').slice(-(windowSize - 1));
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
  const order = generationOrder(planned, settings.shuffle_seed);
  const seq: SequentialState = startSequential(
    opts.gates,
    baseline?.run ?? null,
    order,
    settings.wave_size,
    isPerSample,
  );
  const adapter: Adapter = await createAdapter(model, suite.dir);
  await fs.mkdir(runDir, { recursive: true });
  opts.onStart?.({ model: model.name, runId, runDir, planned: planned.length });

  const errors: string[] = [];
  const samples: SampleRecord[] = [];
  try {
    const limit = pLimit(opts.workers);
    let done = 0;
    const ctx = {
      adapter,
      modelName: model.name,
      runDir,
      metrics,
      retries: opts.retries,
      timeoutS: opts.timeoutS,
      signal: opts.signal,
      artifactCodec: suite.config.artifacts.encode,
    };
    // Waves: bounded concurrency within a wave, a decision at every wave boundary (src/runs/sequential.ts).
    for (let start = 0; start < order.length && !opts.signal.aborted; ) {
      const wave = order.slice(start, start + seq.waveSize);
      const rows = await Promise.all(
        wave.map((p) =>
          limit(async () => {
            const row = await runSample(ctx, p);
            done++;
            opts.onSample?.(done, planned.length, row);
            return row;
          }),
        ),
      );
      samples.push(...rows);
      start += wave.length;
      if (afterWave(seq, opts.gates, samples, order.length - start)) break;
    }
    // Run-level metrics (external judges, VBench results) see all samples at once; a failure here is a
    // run error, never a silent pass (src/runs/finalize.ts).
    await finalizeMetrics(metrics, samples, { runDir, suiteDir: suite.dir, signal: opts.signal });
  } catch (e) {
    errors.push(`run failed: ${describeError(e)}`);
  } finally {
    await adapter
      .close?.()
      .catch((e: unknown) => warn(`adapter ${model.adapter} did not close: ${describeError(e)}`));
  }

  const measured = samples.filter((s) => s.error === null);
  const failed = samples.filter((s) => s.error !== null);
  if (opts.signal.aborted) errors.push('interrupted before every sample finished');
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
  const skipped = seq.stoppedEarly ? order.filter((p) => !attemptedIds.has(p.sampleId)) : [];

  const summaries: Record<string, MetricSummary> = {};
  for (const m of metrics) summaries[m.name] = summarizeMetric(m.name, m.def, m.params, measured);
  const run = { samples: measured, metrics: summaries };
  const verdict = evaluateRun(opts.gates, run, baseline?.run ?? null, gateHistory(opts.gates, pastRuns), {
    sprt: seq.tracks,
    sequential: { planned: planned.length, generated: samples.length, exhausted: !seq.stoppedEarly },
    plannedIds: seq.plannedIds,
    multipleComparisons: settings.multiple_comparisons,
  });
  const status: RunStatus =
    errors.length > 0
      ? 'ERROR'
      : verdict.gateFailed || (verdict.regressionFailed && !opts.ignoreRegression)
        ? 'FAIL'
        : 'PASS';

  const ranked = rankSamplesForRetention(measured, opts.gates, baseline?.run ?? null);
  await applyRetention(runDir, samples, samplesToRetain(suite.config.artifacts, status, ranked));

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
    exit_code: status === 'ERROR' ? 1 : status === 'FAIL' ? 2 : 0,
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
          skipped_samples: skipped.map((p) => ({
            sample_id: p.sampleId,
            test_id: p.testId,
            prompt: p.prompt,
            seed: p.seed,
          })),
        }
      : {}),
  };
  await atomicWriteJson(path.join(runDir, RUN_FILE), record);
  await addToIndex(root, record, warn);
  return { model: model.name, runDir, record };
}
