/**
 * `temporalci sprt calibrate`: run the suite once as a baseline (or reuse a run), then N more times with no
 * change, pair every run with the baseline by sample_id, and pool the deltas into a σ estimate for one
 * sprt_regression gate. With a deterministic model every delta is 0 and σ falls back to sigma_floor; the
 * notes say so rather than pretending the estimate is meaningful.
 */
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import {
  CALIBRATION_SCHEMA_VERSION,
  CALIBRATION_TOOL,
  type CheckResult,
  type CheckThresholds,
  checkCalibration,
  EXIT_CODE_SEMANTICS,
  recommend,
  summarizeDeltas,
} from '../gates/calibration.js';
import { type DirectionalOp, pairDeltas } from '../gates/pairing.js';
import { isSequentialGate } from '../gates/registry.js';
import { seriesOf } from '../gates/sprt-gate.js';
import { type SprtParams, sprtParamsSchema } from '../gates/sprt-params.js';
import { TEMPORALCI_VERSION } from '../platform/environment.js';
import { roundTo } from '../platform/format.js';
import type { RunRecord } from '../schema/run.js';
import type { GateConfig } from '../schema/suite.js';
import type { ArtifactStore, RunStore, Warn } from '../store/types.js';
import type { LoadedSuite } from '../suite/types.js';
import { runSuite, selectModels } from './engine.js';

export interface CalibrateOptions {
  runs: number;
  gateMetric?: string;
  model?: string;
  artifactsDir: string;
  /** Where the calibration runs are kept (the store on `artifactsDir`). */
  store: RunStore;
  artifacts: ArtifactStore;
  baselineRunId?: string;
  check?: CheckThresholds;
  signal?: AbortSignal;
  warn?: Warn;
  onRun?: (done: number, total: number, record: RunRecord) => void;
}

/** The sequential (sprt_regression) gate whose σ to calibrate: the only one, or the one on `--gate-metric`. */
function pickSprtGate(
  gates: readonly GateConfig[],
  metric: string | undefined,
): { gate: GateConfig; index: number } {
  const sprt = gates.map((gate, index) => ({ gate, index })).filter((g) => isSequentialGate(g.gate));
  const listed = sprt.map((g) => g.gate.metric).join(', ');
  if (sprt.length === 0) {
    throw new TemporalCIError('USAGE', 'the suite has no sprt_regression gate to calibrate', {
      hint: 'add a gate with `method: sprt_regression`',
    });
  }
  if (metric === undefined) {
    if (sprt.length > 1) {
      throw new TemporalCIError('USAGE', `the suite has ${sprt.length} sprt_regression gates`, {
        hint: `choose one with --gate-metric (${listed})`,
      });
    }
    return sprt[0]!;
  }
  const hit = sprt.find((g) => g.gate.metric === metric);
  if (!hit) {
    throw new TemporalCIError('USAGE', `no sprt_regression gate on ${metric}`, {
      hint: `sprt_regression gates: ${listed}`,
    });
  }
  return hit;
}

function deltaStats(deltas: readonly number[]): { mean: number | null; std: number | null } {
  const s = summarizeDeltas(deltas);
  return { mean: s.mean, std: s.std };
}

function notesFor(
  count: number,
  std: number | null,
  mismatchRuns: number,
  minPairs: number,
  expected: number[],
): string[] {
  const notes: string[] = [];
  if (count === 0)
    notes.push('No paired deltas: check that sample ids match between runs (pairing_mode, plan).');
  else if (std === 0) {
    notes.push(
      'Recommended sigma may be optimistic: every delta was identical (a deterministic model gives σ = 0, so sigma_floor was used).',
    );
  }
  if (mismatchRuns > 0) notes.push(`${mismatchRuns} run(s) paired below min_paired_ratio.`);
  const sorted = [...expected].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
  if (minPairs > median) {
    notes.push(
      `Recommended min_pairs ${minPairs} exceeds the median expected pairs per run (${median}): add samples.`,
    );
  }
  return notes;
}

/** One no-change run of the calibration, judged without a baseline; an ERROR ends the calibration. */
async function calibrationRun(suite: LoadedSuite, model: string, opts: CalibrateOptions): Promise<RunRecord> {
  const r = await runSuite(suite, {
    store: opts.store,
    artifacts: opts.artifacts,
    baselineMode: 'none',
    model,
    signal: opts.signal,
    warn: opts.warn,
  });
  const rec = r.runs[0]?.record;
  if (!rec || rec.status === 'ERROR') {
    throw new TemporalCIError(
      'RUN_FAILED',
      `a calibration run ended in error: ${rec?.errors.join('; ') ?? 'interrupted'}`,
      { hint: 'fix the run (`temporalci run`) before calibrating' },
    );
  }
  return rec;
}

export async function calibrateSprt(suite: LoadedSuite, opts: CalibrateOptions) {
  if (!(Number.isInteger(opts.runs) && opts.runs >= 1)) {
    throw new TemporalCIError('USAGE', `--runs must be a whole number >= 1, got ${opts.runs}`);
  }
  const { gate, index } = pickSprtGate(suite.config.gates, opts.gateMetric);
  const params: SprtParams = sprtParamsSchema.parse(gate.params);
  const models = selectModels(suite, { model: opts.model });
  if (models.length > 1) {
    throw new TemporalCIError('USAGE', `the suite has ${models.length} models`, {
      hint: `choose one with --model (${models.map((m) => m.name).join(', ')})`,
    });
  }
  const model = models[0]!;
  const once = (): Promise<RunRecord> => calibrationRun(suite, model.name, opts);
  const key = { project: suite.config.project, suite: suite.config.suite_name, model: model.name };
  const baseline = opts.baselineRunId
    ? await opts.store.readRun({ ...key, runId: opts.baselineRunId })
    : await once();
  const baseSeries = seriesOf(baseline, gate.metric);

  const all: number[] = [];
  const runSummaries = [];
  for (let i = 0; i < opts.runs; i++) {
    const rec = await once();
    const pairing = pairDeltas(
      seriesOf(rec, gate.metric),
      baseSeries,
      gate.op as DirectionalOp,
      params.pairing_mode,
    );
    all.push(...pairing.deltas);
    const s = deltaStats(pairing.deltas);
    runSummaries.push({
      run_id: rec.run_id,
      status: rec.status,
      // What `status` means here: the run was judged with no baseline, so only its threshold gates speak.
      status_meaning:
        'judged without a baseline: SPRT gates not evaluated, status reflects threshold gates only',
      paired_count: pairing.paired_count,
      expected_pairs: pairing.expected_pairs,
      paired_ratio: roundTo(pairing.paired_ratio, 6),
      delta_count: pairing.deltas.length,
      delta_mean: s.mean,
      delta_std: s.std,
    });
    opts.onRun?.(i + 1, opts.runs, rec);
  }
  const summary = summarizeDeltas(all);
  const rec = recommend(summary, params);
  const mismatchRuns = runSummaries.filter((r) => r.paired_ratio < params.min_paired_ratio).length;
  const report = {
    schema_version: CALIBRATION_SCHEMA_VERSION,
    tool: { name: CALIBRATION_TOOL, version: TEMPORALCI_VERSION },
    exit_code_semantics: EXIT_CODE_SEMANTICS,
    generated_at_utc: new Date().toISOString(),
    suite_path: suite.file,
    suite_hash: suite.hash,
    gate_metric: gate.metric,
    gate_index: index,
    model_name: model.name,
    artifacts_dir: path.resolve(opts.artifactsDir),
    baseline_run_id: baseline.run_id,
    runs_requested: opts.runs,
    runs_completed: runSummaries.length,
    sprt_params: {
      alpha: params.alpha,
      beta: params.beta,
      effect_size: params.effect_size,
      sigma_floor: params.sigma_floor,
      min_pairs: params.min_pairs,
      min_paired_ratio: params.min_paired_ratio,
      pairing_mode: params.pairing_mode,
      pairing_mismatch: params.pairing_mismatch,
    },
    delta_summary: summary,
    ...rec,
    run_summaries: runSummaries,
    mismatch_runs: mismatchRuns,
    notes: notesFor(
      summary.count,
      summary.std,
      mismatchRuns,
      rec.recommended_params.min_pairs,
      runSummaries.map((r) => r.expected_pairs),
    ),
  };
  const check: CheckResult | undefined = opts.check ? checkCalibration(report, opts.check) : undefined;
  return check ? { ...report, check } : report;
}
