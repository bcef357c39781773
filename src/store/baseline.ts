import { describeError, TemporalCIError } from '../errors.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { MetricSummary, RunRecord, RunStatus } from '../schema/run.js';
import type { MetricValues } from '../schema/values.js';
import { getLeaf, leafPaths, setLeaf } from '../schema/values.js';
import { ModelFolder } from './model-folder.js';
import { readRecordAt } from './run-files.js';
import type { ModelKey, RunStore, Warn } from './types.js';

export type BaselineMode =
  | { kind: 'none' }
  | { kind: 'latest' }
  | { kind: 'latest_pass' }
  | { kind: 'tag'; name: string }
  | { kind: 'rolling'; n: number };

export function parseBaselineMode(text: string): BaselineMode {
  if (text === 'none' || text === 'latest' || text === 'latest_pass') return { kind: text };
  const tag = /^tag:([A-Za-z0-9._-]+)$/.exec(text);
  if (tag) return { kind: 'tag', name: tag[1]! };
  const rolling = /^rolling:(\d+)$/.exec(text);
  if (rolling && Number(rolling[1]) > 0) return { kind: 'rolling', n: Number(rolling[1]) };
  throw new TemporalCIError('BASELINE_INVALID', `unknown baseline mode "${text}"`, {
    hint: 'use none, latest, latest_pass, tag:<name> or rolling:<N> (N > 0)',
  });
}

export function formatBaselineMode(mode: BaselineMode): string {
  if (mode.kind === 'tag') return `tag:${mode.name}`;
  if (mode.kind === 'rolling') return `rolling:${mode.n}`;
  return mode.kind;
}

export interface Baseline {
  /** A run id, or `rolling:N(<first>..<last>)` for a rolling mean. */
  runId: string;
  run: MeasuredRun;
}

/** What baseline selection reads of a store. */
export type BaselineSource = Pick<RunStore, 'describe' | 'index' | 'readRun' | 'tags'>;

/** Only verdicts are baselines: an errored or interrupted run measured a partial or broken set. */
const isVerdict = (status: RunStatus): boolean => status === 'PASS' || status === 'FAIL';

/**
 * Picks the baseline from the model's index (never from folder names). Runs that ended in ERROR or
 * INTERRUPTED have no verdict and are never a baseline: `latest`, `latest_pass` and `rolling:N` skip them,
 * and a `tag:<name>` naming one is refused. An unreadable run.json is skipped with a warning.
 */
export async function selectBaseline(
  store: BaselineSource,
  model: ModelKey,
  mode: BaselineMode,
  excludeRunId: string | undefined,
  warn: Warn,
): Promise<Baseline | null>;
/** @deprecated engine migration: `selectBaseline(store, model, mode, exclude, warn)`. */
export async function selectBaseline(
  modelRoot: string,
  mode: BaselineMode,
  excludeRunId: string | undefined,
  warn: Warn,
): Promise<Baseline | null>;
export async function selectBaseline(
  ...args:
    | [BaselineSource, ModelKey, BaselineMode, string | undefined, Warn]
    | [string, BaselineMode, string | undefined, Warn]
): Promise<Baseline | null> {
  if (typeof args[0] === 'string') {
    const [modelRoot, mode, exclude, warn] = args as [string, BaselineMode, string | undefined, Warn];
    return pickBaseline(folderSource(modelRoot, warn), FOLDER_MODEL, mode, exclude, warn);
  }
  const [store, model, mode, exclude, warn] = args as [
    BaselineSource,
    ModelKey,
    BaselineMode,
    string | undefined,
    Warn,
  ];
  return pickBaseline(store, model, mode, exclude, warn);
}

async function pickBaseline(
  store: BaselineSource,
  model: ModelKey,
  mode: BaselineMode,
  excludeRunId: string | undefined,
  warn: Warn,
): Promise<Baseline | null> {
  if (mode.kind === 'none') return null;
  if (mode.kind === 'tag') return taggedBaseline(store, model, mode.name);
  const history = (await store.index(model))
    .filter((r) => r.run_id !== excludeRunId && isVerdict(r.status))
    .reverse(); // newest first
  const candidates = mode.kind === 'latest' ? history : history.filter((r) => r.status === 'PASS');
  const want = mode.kind === 'rolling' ? mode.n : 1;
  const picked: { runId: string; run: MeasuredRun }[] = [];
  for (const entry of candidates) {
    if (picked.length >= want) break;
    try {
      picked.push({ runId: entry.run_id, run: await store.readRun({ ...model, runId: entry.run_id }) });
    } catch (e) {
      warn(`baseline candidate ${entry.run_id} skipped: ${describeError(e)}`);
    }
  }
  if (picked.length === 0) return null;
  if (mode.kind !== 'rolling') return picked[0]!;
  const ids = picked.map((p) => p.runId);
  return {
    runId: `rolling:${mode.n}(${ids[ids.length - 1]}..${ids[0]})`,
    run: rollingMean(picked.map((p) => p.run)),
  };
}

async function taggedBaseline(store: BaselineSource, model: ModelKey, name: string): Promise<Baseline> {
  const where = store.describe(model);
  const tags = await store.tags(model);
  const runId = tags[name];
  if (runId === undefined) {
    const known = Object.keys(tags);
    throw new TemporalCIError('BASELINE_INVALID', `baseline tag "${name}" does not exist under ${where}`, {
      hint: known.length
        ? `known tags: ${known.join(', ')}`
        : 'create it with `temporalci tag set`, or bootstrap with --baseline-mode none',
    });
  }
  const retag = `retag a PASS or FAIL run: temporalci tag set ${name} <run-id> --model-root ${where}`;
  let run: RunRecord;
  try {
    run = await store.readRun({ ...model, runId });
  } catch (e) {
    throw new TemporalCIError(
      'BASELINE_INVALID',
      `baseline tag "${name}" names run ${runId}, which cannot be read: ${describeError(e)}`,
      { hint: retag, cause: e },
    );
  }
  if (!isVerdict(run.status)) {
    throw new TemporalCIError(
      'BASELINE_INVALID',
      `baseline tag "${name}" names run ${runId}, which ended ${run.status}: a run without a verdict (ERROR or INTERRUPTED) is never a baseline`,
      { hint: retag },
    );
  }
  return { runId, run };
}

/** The deprecated path form reads a bare model folder, which has no key: the source ignores the one it gets. */
const FOLDER_MODEL: ModelKey = { project: '-', suite: '-', model: '-' };

function folderSource(modelRoot: string, warn: Warn): BaselineSource {
  const folder = new ModelFolder(modelRoot, warn);
  return {
    describe: () => modelRoot,
    index: async () => (await folder.index(false)).entries,
    readRun: (run) => readRecordAt(folder.runDir(run.runId)),
    tags: () => folder.tags(),
  };
}

/**
 * The per-metric mean of several runs. Per-sample values are averaged per sample_id too, so that paired
 * gates (SPRT) pair against the mean of the window rather than against one arbitrary run.
 */
export function rollingMean(runs: readonly MeasuredRun[]): MeasuredRun {
  const bySample = new Map<
    string,
    { prompt: string; seed: number; values: Record<string, MetricValues>[] }
  >();
  for (const run of runs) {
    for (const s of run.samples) {
      const slot = bySample.get(s.sample_id) ?? { prompt: s.prompt, seed: s.seed, values: [] };
      slot.values.push(s.metrics);
      bySample.set(s.sample_id, slot);
    }
  }
  const samples = [...bySample.entries()].map(([id, slot]) => ({
    sample_id: id,
    prompt: slot.prompt,
    seed: slot.seed,
    metrics: meanOfMetricMaps(slot.values),
  }));
  const metricNames = new Set(runs.flatMap((r) => Object.keys(r.metrics)));
  const metrics: Record<string, MetricSummary> = {};
  for (const name of metricNames) {
    const present = runs.map((r) => r.metrics[name]).filter((m): m is MetricSummary => m !== undefined);
    metrics[name] = {
      values: meanOfValues(present.map((m) => m.values)),
      sample_count: Math.round(present.reduce((a, m) => a + m.sample_count, 0) / present.length),
    };
  }
  return { samples, metrics };
}

function meanOfMetricMaps(maps: Record<string, MetricValues>[]): Record<string, MetricValues> {
  const names = new Set(maps.flatMap((m) => Object.keys(m)));
  const out: Record<string, MetricValues> = {};
  for (const name of names) {
    out[name] = meanOfValues(maps.map((m) => m[name]).filter((v): v is MetricValues => v !== undefined));
  }
  return out;
}

export function meanOfValues(list: readonly MetricValues[]): MetricValues {
  const out: MetricValues = {};
  const paths = new Set(list.flatMap((v) => leafPaths(v)));
  for (const p of paths) {
    const nums = list.map((v) => getLeaf(v, p)).filter((x): x is number => typeof x === 'number');
    setLeaf(out, p, nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null);
  }
  return out;
}
