import type { GateConfig } from '../schema/suite.js';
import { parseBaselineMode } from '../store/baseline.js';
import type { Warn } from '../store/types.js';
import type { LoadedSuite } from '../suite/types.js';
import type { DeadlinePolicy } from './deadline.js';
import type { ModelRunOptions, ResumeTarget } from './prepare.js';

/** What a caller may ask of a run; anything left out comes from the suite (or, resuming, the first session). */
export interface RunRequest {
  /** none | latest | latest_pass | tag:<name> | rolling:<N>. Default latest_pass. */
  baselineMode?: string;
  workers?: number;
  retries?: number;
  timeoutS?: number;
  /** Time budget per model run session, seconds (overrides run.deadline_s). */
  deadlineS?: number;
  onDeadline?: DeadlinePolicy;
  /** Continue an interrupted or crashed run: only its model runs, under its id. */
  resume?: ResumeTarget;
  maxFailedRatio?: number;
  /** Only the first N planned samples of each model. */
  sampleLimit?: number;
  ignoreRegression?: boolean;
  /** Replace the gate with the same metric and op, or add a threshold gate (`--gate-override`). */
  gateOverrides?: GateConfig[];
  /** Tag every finished run with this name. */
  tag?: string;
  /** Stop after the first model run that does not pass; the models after it are not run. */
  failFast?: boolean;
  signal?: AbortSignal;
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

/**
 * The one place where flags, the suite and a resumed run's first session are reconciled. A resumed run is
 * judged by the rules it started with: everything that changes the verdict (gates with their overrides,
 * baseline mode, sample limit, max_failed_ratio, ignore_regression, on_deadline, tag) comes from its state;
 * flags given now change only how this session executes (workers, retries, timeout, deadline).
 */
export function resolveRunOptions(
  suite: LoadedSuite,
  req: RunRequest,
  warn: Warn,
): Omit<ModelRunOptions, 'signal'> {
  const settings = suite.config.run;
  const was = req.resume?.state.options;
  const gates = mergeGateOverrides(suite.config.gates, req.gateOverrides ?? []);
  if (was?.gates !== undefined && (req.gateOverrides?.length ?? 0) > 0) {
    warn('--gate-override ignored: a resumed run keeps the gates of its first session');
  }
  const common = {
    workers: req.workers ?? was?.workers ?? settings.workers,
    retries: req.retries ?? was?.retries ?? settings.retries,
    timeoutS: req.timeoutS ?? was?.timeout_s ?? settings.timeout_s,
    deadlineS: req.deadlineS ?? was?.deadline_s ?? settings.deadline_s,
    resume: req.resume,
  };
  if (was === undefined) {
    return {
      ...common,
      baselineMode: parseBaselineMode(req.baselineMode ?? 'latest_pass'),
      gates,
      maxFailedRatio: req.maxFailedRatio ?? settings.max_failed_ratio,
      sampleLimit: req.sampleLimit,
      ignoreRegression: req.ignoreRegression ?? false,
      onDeadline: req.onDeadline ?? settings.on_deadline,
      tag: req.tag,
    };
  }
  return {
    ...common,
    baselineMode: parseBaselineMode(was.baseline_mode),
    gates: was.gates ?? gates,
    maxFailedRatio: was.max_failed_ratio,
    sampleLimit: was.sample_limit ?? undefined,
    ignoreRegression: was.ignore_regression,
    // States written before on_deadline was recorded: the flag, then the suite, as their first session did.
    onDeadline: was.on_deadline ?? req.onDeadline ?? settings.on_deadline,
    tag: was.tag ?? undefined,
  };
}
