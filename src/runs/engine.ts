import { TemporalCIError } from '../errors.js';
import { type PublishOptions, publishRun } from '../report/publish.js';
import type { SampleRecord } from '../schema/run.js';
import type { GateConfig, ModelConfig } from '../schema/suite.js';
import { parseBaselineMode } from '../store/baseline.js';
import { setTag, type Warn } from '../store/local.js';
import { modelRoot } from '../store/paths.js';
import type { LoadedSuite } from '../suite/types.js';
import { locateFfmpeg } from '../video/ffmpeg.js';
import type { DeadlinePolicy } from './deadline.js';
import { type ModelRunResult, type ResumeTarget, runModel } from './model-run.js';
import { planSamples } from './plan.js';
import type { PlannedSample } from './types.js';

export interface RunOptions {
  /** Root of the local run store. Default `artifacts`. */
  artifactsDir?: string;
  /** none | latest | latest_pass | tag:<name> | rolling:<N>. Default latest_pass. */
  baselineMode?: string;
  /** Run only this model. */
  model?: string;
  includeModels?: string[];
  excludeModels?: string[];
  workers?: number;
  retries?: number;
  timeoutS?: number;
  /** Time budget per model run session, seconds (overrides run.deadline_s). */
  deadlineS?: number;
  onDeadline?: DeadlinePolicy;
  /** Continue an interrupted or crashed run: only its model runs, in its folder, under its id. */
  resume?: ResumeTarget;
  maxFailedRatio?: number;
  /** Only the first N planned samples of each model. */
  sampleLimit?: number;
  ignoreRegression?: boolean;
  /** Replace the gate with the same metric and op, or add a threshold gate (`--gate-override`). */
  gateOverrides?: GateConfig[];
  /** Tag every finished run with this name. */
  tag?: string;
  signal?: AbortSignal;
  warn?: Warn;
  /** After each model: report.html, JUnit, GitHub summary/annotations, webhook (never changes the verdict). */
  publish?: PublishOptions;
  onModelStart?: (info: { model: string; runId: string; runDir: string; planned: number }) => void;
  onSample?: (model: string, done: number, total: number, sample: SampleRecord) => void;
}

export interface SuiteRunResult {
  /** 0 every model passed, 2 a gate or regression failed, 1 a run could not reach a verdict. */
  exitCode: 0 | 1 | 2;
  runs: ModelRunResult[];
}

export function selectModels(
  suite: LoadedSuite,
  opts: Pick<RunOptions, 'model' | 'includeModels' | 'excludeModels'>,
) {
  const all = suite.config.models;
  const names = all.map((m) => m.name);
  const check = (n: string) => {
    if (!names.includes(n)) {
      throw new TemporalCIError('USAGE', `model "${n}" is not in ${suite.file}`, {
        hint: `models in this suite: ${names.join(', ')}`,
      });
    }
  };
  let chosen: ModelConfig[];
  if (opts.model !== undefined) {
    check(opts.model);
    chosen = all.filter((m) => m.name === opts.model);
  } else {
    opts.includeModels?.forEach(check);
    opts.excludeModels?.forEach(check);
    chosen = all.filter(
      (m) =>
        (!opts.includeModels?.length || opts.includeModels.includes(m.name)) &&
        !opts.excludeModels?.includes(m.name),
    );
  }
  if (chosen.length === 0) {
    throw new TemporalCIError('USAGE', 'no model left to run after --include-model/--exclude-model', {
      hint: `models in this suite: ${names.join(', ')}`,
    });
  }
  return chosen;
}

export function mergeGateOverrides(
  gates: readonly GateConfig[],
  overrides: readonly GateConfig[],
): GateConfig[] {
  const out = [...gates];
  for (const o of overrides) {
    const i = out.findIndex((g) => g.metric === o.metric && g.op === o.op);
    if (i >= 0) out[i] = { ...out[i]!, value: o.value };
    else out.push(o);
  }
  return out;
}

export interface DryRunPlan {
  models: { name: string; adapter: string; samples: PlannedSample[] }[];
  metrics: string[];
  gates: GateConfig[];
}

/** What a run would do, without generating anything. */
export function planRun(suite: LoadedSuite, opts: RunOptions = {}): DryRunPlan {
  return {
    models: selectModels(suite, opts).map((m) => ({
      name: m.name,
      adapter: m.adapter,
      samples: planSamples(m.name, suite.tests, opts.sampleLimit),
    })),
    metrics: suite.config.metrics.map((m) => m.name),
    gates: mergeGateOverrides(suite.config.gates, opts.gateOverrides ?? []),
  };
}

/** Runs every selected model of a suite, one after another, and returns each run and the exit code. */
export async function runSuite(suite: LoadedSuite, opts: RunOptions = {}): Promise<SuiteRunResult> {
  const models = selectModels(suite, opts.resume ? { model: opts.resume.state.model_name } : opts);
  // Every sample needs ffmpeg (probe and decode); without one, say so once with the install hint
  // instead of failing every sample.
  await locateFfmpeg();
  const baselineMode = parseBaselineMode(opts.baselineMode ?? 'latest_pass');
  const settings = suite.config.run;
  const artifactsDir = opts.artifactsDir ?? 'artifacts';
  const gates = mergeGateOverrides(suite.config.gates, opts.gateOverrides ?? []);
  const signal = opts.signal ?? new AbortController().signal;
  const warn = opts.warn ?? (() => undefined);
  const runs: ModelRunResult[] = [];
  for (const model of models) {
    if (signal.aborted) break;
    const result = await runModel(suite, model, {
      artifactsDir,
      baselineMode,
      gates,
      workers: opts.workers ?? settings.workers,
      retries: opts.retries ?? settings.retries,
      timeoutS: opts.timeoutS ?? settings.timeout_s,
      deadlineS: opts.deadlineS ?? settings.deadline_s,
      onDeadline: opts.onDeadline ?? settings.on_deadline,
      tag: opts.tag,
      resume: opts.resume,
      maxFailedRatio: opts.maxFailedRatio ?? settings.max_failed_ratio,
      sampleLimit: opts.sampleLimit,
      ignoreRegression: opts.ignoreRegression ?? false,
      signal,
      warn,
      onStart: opts.onModelStart,
      onSample: opts.onSample ? (d, t, s) => opts.onSample?.(model.name, d, t, s) : undefined,
    });
    const verdict = result.record.status === 'PASS' || result.record.status === 'FAIL';
    if (opts.tag && verdict) {
      const root = modelRoot(artifactsDir, suite.config.project, suite.config.suite_name, model.name);
      await setTag(root, opts.tag, result.record.run_id);
    }
    runs.push(result);
    // A partial run gets no report or webhook: it is resumed or rerun, and that run publishes.
    if (opts.publish && result.record.status !== 'INTERRUPTED') await publishRun(result, runs, opts.publish);
  }
  const statuses = runs.map((r) => r.record.status);
  const exitCode =
    statuses.includes('ERROR') || statuses.includes('INTERRUPTED') || runs.length < models.length
      ? 1
      : statuses.includes('FAIL')
        ? 2
        : 0;
  return { exitCode, runs };
}
