import { randomBytes } from 'node:crypto';
import { TemporalCIError } from '../errors.js';
import { loadMetric } from '../metrics/registry.js';
import { type RunState, STATE_SCHEMA_VERSION } from '../schema/files.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import type { GateConfig, ModelConfig } from '../schema/suite.js';
import { type Baseline, type BaselineMode, formatBaselineMode, selectBaseline } from '../store/baseline.js';
import { newRunId } from '../store/paths.js';
import type { RunKey, RunLock, RunStore, Warn } from '../store/types.js';
import type { LoadedSuite } from '../suite/types.js';
import type { DeadlinePolicy } from './deadline.js';
import { planSamples } from './plan.js';
import type { ActiveMetric } from './sample-runner.js';
import { generationOrder, pairableFirst, type SequentialState, startSequential } from './sequential.js';
import type { PlannedSample } from './types.js';

/** One model's run settings, after flags, the suite and (when resuming) the first session were reconciled. */
export interface ModelRunOptions {
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
  /** Continue this run (same id), reusing the samples it already finished. */
  resume?: ResumeTarget;
  signal: AbortSignal;
}

export interface ResumeTarget {
  run: RunKey;
  state: RunState;
}

/** Everything decided before the first sample is generated. */
export interface PreparedRun {
  suite: LoadedSuite;
  model: ModelConfig;
  opts: ModelRunOptions;
  key: RunKey;
  started: Date;
  /** Sessions so far, this one included. */
  sessions: number;
  metrics: ActiveMetric[];
  baseline: Baseline | null;
  planned: PlannedSample[];
  /** The whole plan in generation order; `order` is what is left of it for this session. */
  fullOrder: PlannedSample[];
  order: PlannedSample[];
  /** Samples finished in earlier sessions, kept as they are. */
  reused: SampleRecord[];
  seq: SequentialState;
  /** Earlier verdicts, newest first, for windowed gates. */
  pastRuns: RunRecord[];
  isPerSample: (metricPath: string) => boolean;
  /** The baseline run's kept videos by sample_id, for metrics that compare with them (`vs_baseline`). */
  baselineVideos: Map<string, string>;
  /** Samples the baseline measured but kept no video of (retention): they cannot be compared frame by frame. */
  baselineUnkept: Set<string>;
  lock: RunLock;
}

async function activeMetrics(suite: LoadedSuite): Promise<ActiveMetric[]> {
  return Promise.all(
    suite.config.metrics.map(async (m) => {
      const def = await loadMetric(m.name);
      return { name: m.name.toLowerCase(), def, params: def.params.parse(m.params) };
    }),
  );
}

function perSampleCheck(metrics: readonly ActiveMetric[]): (metricPath: string) => boolean {
  return (metricPath) => {
    const dot = metricPath.indexOf('.');
    const m = metrics.find((x) => x.name === (dot < 0 ? metricPath : metricPath.slice(0, dot)).toLowerCase());
    return m?.def.paths(m.params).includes(dot < 0 ? '' : metricPath.slice(dot + 1)) === true;
  };
}

/** Windowed gates look back at the last `window − 1` verdicts of the model. */
async function loadPastRuns(
  store: RunStore,
  key: RunKey,
  gates: readonly GateConfig[],
): Promise<RunRecord[]> {
  const windowSize = Math.max(0, ...gates.map((g) => g.window));
  if (windowSize <= 1) return [];
  const recent = (await store.index(key))
    .filter((r) => r.run_id !== key.runId && (r.status === 'PASS' || r.status === 'FAIL'))
    .slice(-(windowSize - 1));
  const out: RunRecord[] = [];
  for (const entry of recent.reverse()) out.push(await store.readRun({ ...key, runId: entry.run_id }));
  return out;
}

/**
 * The baseline. A resumed session pairs with the run its first session chose, even when a newer run has
 * qualified since, so that every session of a run is judged against the same samples.
 */
async function chooseBaseline(
  store: RunStore,
  key: RunKey,
  opts: ModelRunOptions,
  warn: Warn,
): Promise<Baseline | null> {
  const pinned = opts.resume?.state.options.baseline_run_id;
  // undefined: a state written before the choice was recorded; null: the first session had no baseline.
  if (pinned !== undefined && opts.baselineMode.kind !== 'rolling') {
    return pinned === null ? null : { runId: pinned, run: await store.readRun({ ...key, runId: pinned }) };
  }
  return selectBaseline(store, key, opts.baselineMode, key.runId, warn);
}

/**
 * Where the baseline's videos are, when a metric compares with them. A rolling baseline is a mean of
 * several runs and has no video of its own: nothing pairs (and the gates say so).
 */
async function baselineVideosOf(
  store: RunStore,
  key: RunKey,
  baseline: Baseline | null,
  metrics: readonly ActiveMetric[],
): Promise<Pick<PreparedRun, 'baselineVideos' | 'baselineUnkept'>> {
  const out = { baselineVideos: new Map<string, string>(), baselineUnkept: new Set<string>() };
  if (baseline === null || !metrics.some((m) => m.def.needsBaselineVideos)) return out;
  if (baseline.runId.startsWith('rolling:')) return out;
  const rec = await store.readRun({ ...key, runId: baseline.runId });
  for (const s of rec.samples) {
    if (s.error !== null) continue;
    if (s.retained && s.video_path !== null) out.baselineVideos.set(s.sample_id, s.video_path);
    else out.baselineUnkept.add(s.sample_id);
  }
  return out;
}

/**
 * Under the run's lock: a session that finished the run while this one waited to start (or a record that
 * appeared since `run --resume` checked the folder) means there is nothing left to resume.
 */
async function assertStillResumable(store: RunStore, key: RunKey): Promise<void> {
  const status = await store.readRun(key).then(
    (r) => r.status,
    (e: unknown) => {
      // No record (crashed) or one this version cannot read: the sample log has the work either way.
      if (e instanceof TemporalCIError && (e.code === 'RUN_NOT_FOUND' || e.code === 'STORE_CORRUPT'))
        return null;
      throw e;
    },
  );
  if (status === 'PASS' || status === 'FAIL') {
    throw new TemporalCIError('USAGE', `run ${key.runId} already finished with ${status}`, {
      hint: 'only interrupted, crashed or errored runs can be resumed; start a new run instead',
    });
  }
}

function stateOf(p: Omit<PreparedRun, 'lock'>): RunState {
  const o = p.opts;
  return {
    schema_version: STATE_SCHEMA_VERSION,
    run_id: p.key.runId,
    started_utc: p.started.toISOString(),
    project: p.suite.config.project,
    suite_name: p.suite.config.suite_name,
    model_name: p.model.name,
    suite: { path: p.suite.file, hash: p.suite.hash },
    options: {
      baseline_mode: formatBaselineMode(o.baselineMode),
      sample_limit: o.sampleLimit ?? null,
      workers: o.workers,
      retries: o.retries,
      timeout_s: o.timeoutS ?? null,
      max_failed_ratio: o.maxFailedRatio,
      ignore_regression: o.ignoreRegression,
      deadline_s: o.deadlineS ?? null,
      tag: o.tag ?? null,
      on_deadline: o.onDeadline,
      gates: o.gates,
      baseline_run_id: p.baseline?.runId ?? null,
    },
    sessions: p.sessions,
  };
}

/**
 * Config, baseline, plan and resume, in that order: everything that can fail for configuration reasons
 * happens before any GPU time is spent. Takes the run's lock (a second session of the same run is refused)
 * and writes its state, so that from here on a crash leaves a resumable run.
 */
export async function prepareRun(
  suite: LoadedSuite,
  model: ModelConfig,
  opts: ModelRunOptions,
  store: RunStore,
  warn: Warn,
): Promise<PreparedRun> {
  const started = opts.resume ? new Date(opts.resume.state.started_utc) : new Date();
  const key: RunKey = opts.resume?.run ?? {
    project: suite.config.project,
    suite: suite.config.suite_name,
    model: model.name,
    runId: newRunId(started, randomBytes(2).toString('hex')),
  };
  const metrics = await activeMetrics(suite);
  const isPerSample = perSampleCheck(metrics);
  // The baseline and the history are read before the run's folder exists: a missing tag or a broken
  // baseline refuses the run without leaving an empty run folder behind.
  const baseline = await chooseBaseline(store, key, opts, warn);
  const pastRuns = await loadPastRuns(store, key, opts.gates);
  const lock = await store.lockRun(key);
  try {
    if (opts.resume) await assertStillResumable(store, key);
    const planned = planSamples(model.name, suite.tests, opts.sampleLimit);
    // Resuming: samples finished in earlier sessions are kept as they are; failed ones are tried again.
    const plannedIds = new Set(planned.map((p) => p.sampleId));
    const reused = opts.resume
      ? (await store.readSamples(key)).filter((s) => s.error === null && plannedIds.has(s.sample_id))
      : [];
    const reusedIds = new Set(reused.map((s) => s.sample_id));
    const fullOrder = pairableFirst(
      generationOrder(planned, suite.config.run.shuffle_seed),
      baseline?.run ?? null,
    );
    const order = fullOrder.filter((p) => !reusedIds.has(p.sampleId));
    const seq: SequentialState = startSequential(
      opts.gates,
      baseline?.run ?? null,
      order,
      suite.config.run.wave_size,
      isPerSample,
    );
    const sessions = (opts.resume?.state.sessions ?? 0) + 1;
    const prepared = { suite, model, opts, key, started, sessions, metrics, baseline, planned, fullOrder };
    const videos = await baselineVideosOf(store, key, baseline, metrics);
    const rest = { order, reused, seq, pastRuns, isPerSample, ...videos };
    await store.writeState(key, stateOf({ ...prepared, ...rest }));
    return { ...prepared, ...rest, lock };
  } catch (e) {
    await lock.release();
    throw e;
  }
}
