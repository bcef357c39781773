import { TemporalCIError } from '../errors.js';
import { worstExitCode } from '../schema/run.js';
import type { GateConfig, ModelConfig } from '../schema/suite.js';
import type { ArtifactStore, RunStore, Warn } from '../store/types.js';
import type { LoadedSuite } from '../suite/types.js';
import { locateFfmpeg } from '../video/ffmpeg.js';
import { type RunPorts, runModel } from './model-run.js';
import { mergeGateOverrides, type RunRequest, resolveRunOptions } from './options.js';
import { planSamples } from './plan.js';
import { type ModelRunResult, notifyReporters, type Reporter } from './reporter.js';
import type { PlannedSample } from './types.js';

export interface RunOptions extends RunRequest {
  /** Where runs are kept: a `LocalStore` on an artifacts folder, a `MemoryRunStore` in tests, a fleet's. */
  store: RunStore;
  artifacts: ArtifactStore;
  /** Who hears about the run (report.html, JUnit, GitHub, webhook, progress): never changes a verdict. */
  reporters?: readonly Reporter[];
  /** Where samples run; default this machine (`LocalExecutor`). */
  executor?: RunPorts['executor'];
  /** Run only this model. */
  model?: string;
  includeModels?: string[];
  excludeModels?: string[];
  warn?: Warn;
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

export interface DryRunPlan {
  models: { name: string; adapter: string; samples: PlannedSample[] }[];
  metrics: string[];
  gates: GateConfig[];
}

/** What a run would do, without generating anything. */
export function planRun(
  suite: LoadedSuite,
  opts: Pick<RunOptions, 'model' | 'includeModels' | 'excludeModels' | 'sampleLimit' | 'gateOverrides'> = {},
): DryRunPlan {
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
export async function runSuite(suite: LoadedSuite, opts: RunOptions): Promise<SuiteRunResult> {
  const models = selectModels(suite, opts.resume ? { model: opts.resume.state.model_name } : opts);
  // Every sample needs ffmpeg (probe and decode); without one, say so once with the install hint
  // instead of failing every sample.
  await locateFfmpeg();
  const signal = opts.signal ?? new AbortController().signal;
  const warn = opts.warn ?? (() => undefined);
  const resolved = { ...resolveRunOptions(suite, opts, warn), signal };
  const reporters = opts.reporters ?? [];
  const ports = { store: opts.store, artifacts: opts.artifacts, reporters, executor: opts.executor, warn };
  const runs: ModelRunResult[] = [];
  let stoppedFast = false;
  for (const model of models) {
    if (signal.aborted) break;
    const result = await runModel(suite, model, resolved, ports, runs);
    const verdict = result.record.status === 'PASS' || result.record.status === 'FAIL';
    if (resolved.tag && verdict) await opts.store.setTag(result.run, resolved.tag, result.record.run_id);
    runs.push(result);
    if (opts.failFast && result.record.status !== 'PASS' && runs.length < models.length) {
      const rest = models.slice(runs.length).map((m) => m.name);
      warn(`fail-fast: ${model.name} is ${result.record.status}; not run: ${rest.join(', ')}`);
      stoppedFast = true;
      break;
    }
  }
  await notifyReporters(reporters, 'onSuiteEnd', runs, warn);
  // A fail-fast stop is a verdict (the failed run's), not an incomplete suite.
  const exitCode = worstExitCode(
    runs.map((r) => r.record.status),
    runs.length === models.length || stoppedFast,
  );
  return { exitCode, runs };
}
