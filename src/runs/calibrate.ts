/**
 * `temporalci sprt calibrate`: run the suite once as a baseline (or reuse a run), then N more times with no
 * change, pair every run with the baseline by sample_id, and pool the deltas into a σ estimate for every
 * sprt_regression gate at once: each run's samples are generated and measured once, and every gate reads
 * its metric from the same runs. With a deterministic model every delta is 0 and σ falls back to
 * sigma_floor; the notes say so rather than pretending the estimate is meaningful.
 *
 * Calibration runs are data, not verdicts: they run with no gate (nothing is judged, no SPRT decision stops
 * generation early, so every planned sample is measured), and their records (`gates: []`) stay in the
 * calibration's own store, which must not be the store CI runs take baselines from.
 */
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import {
  type CheckResult,
  type CheckThresholds,
  calibrateGate,
  checkCalibrationGates,
  type GateCalibration,
  type RunPairing,
} from '../gates/calibration.js';
import {
  CALIBRATION_SCHEMA_VERSION,
  CALIBRATION_TOOL,
  EXIT_CODE_SEMANTICS,
} from '../gates/calibration-file.js';
import { type DirectionalOp, pairDeltas } from '../gates/pairing.js';
import { seriesOf } from '../gates/sprt-gate.js';
import { TEMPORALCI_VERSION } from '../platform/version.js';
import type { RunRecord } from '../schema/run.js';
import type { ArtifactStore, ModelKey, RunStore, Warn } from '../store/types.js';
import type { LoadedSuite } from '../suite/types.js';
import { calibrationTargets } from './calibration-targets.js';
import { runSuite, selectModels } from './engine.js';

export interface CalibrateOptions {
  runs: number;
  /** Calibrate only the sprt_regression gates on this metric (default: every one). */
  gateMetric?: string;
  model?: string;
  artifactsDir: string;
  /** Where the calibration runs are kept (the store on `artifactsDir`). */
  store: RunStore;
  artifacts: ArtifactStore;
  baselineRunId?: string;
  /** Where `baselineRunId` is read from (default `store`), e.g. the CI history. */
  baselineStore?: RunStore;
  check?: CheckThresholds;
  signal?: AbortSignal;
  warn?: Warn;
  /** After each run: `done` is 0 for the baseline run, then 1…total. */
  onRun?: (done: number, total: number, record: RunRecord) => void;
}

/** What a calibration run contributed: it was measured, never judged. */
interface CalibrationRunSummary {
  run_id: string;
  role: 'baseline' | 'no_change';
  measured: number;
  failed: number;
}

/**
 * Refuses a store holding judged runs with a baseline (CI history): a calibration run has no gate, so
 * there it would pass as a `latest_pass` baseline. Calibration runs, and runs judged with
 * `--baseline-mode none` (as calibrations before schema 2 were), are not judged against history.
 */
async function assertCalibrationStore(
  store: RunStore,
  key: ModelKey,
  artifactsDir: string,
  warn: Warn,
): Promise<void> {
  const entries = [...(await store.index(key))].reverse();
  for (const entry of entries) {
    if (entry.status !== 'PASS' && entry.status !== 'FAIL') continue;
    let rec: RunRecord;
    try {
      rec = await store.readRun({ ...key, runId: entry.run_id });
    } catch (e) {
      // Baseline selection skips an unreadable run the same way, so it cannot become a baseline either.
      warn(`run ${entry.run_id} in ${artifactsDir} skipped: ${describeError(e)}`);
      continue;
    }
    if (rec.gates.length > 0 && rec.baseline.mode !== 'none') {
      throw new TemporalCIError(
        'USAGE',
        `${artifactsDir} holds runs judged against a baseline (${entry.run_id}): calibration runs there would become baselines of later runs`,
        {
          hint: 'give calibrate its own --artifacts-dir; to reuse a run from that history as the baseline, pass --baseline-run-id with --baseline-artifacts-dir',
        },
      );
    }
  }
}

/** One run of the calibration, with no gate; an ERROR ends the calibration. */
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
  if (!rec || rec.status === 'ERROR' || rec.status === 'INTERRUPTED') {
    throw new TemporalCIError(
      'RUN_FAILED',
      `a calibration run ended in error: ${rec?.errors.join('; ') || 'interrupted'}`,
      { hint: 'fix the run (`temporalci run`) before calibrating' },
    );
  }
  return rec;
}

const summaryOf = (rec: RunRecord, role: CalibrationRunSummary['role']): CalibrationRunSummary => ({
  run_id: rec.run_id,
  role,
  measured: rec.counts.measured,
  failed: rec.counts.failed,
});

export async function calibrateSprt(suite: LoadedSuite, opts: CalibrateOptions) {
  if (!(Number.isInteger(opts.runs) && opts.runs >= 1)) {
    throw new TemporalCIError('USAGE', `--runs must be a whole number >= 1, got ${opts.runs}`);
  }
  const targets = calibrationTargets(suite, opts.gateMetric);
  const models = selectModels(suite, { model: opts.model });
  if (models.length > 1) {
    throw new TemporalCIError('USAGE', `the suite has ${models.length} models`, {
      hint: `choose one with --model (${models.map((m) => m.name).join(', ')})`,
    });
  }
  const model = models[0]!;
  const key = { project: suite.config.project, suite: suite.config.suite_name, model: model.name };
  await assertCalibrationStore(opts.store, key, opts.artifactsDir, opts.warn ?? (() => undefined));
  // Every metric is still measured (the gates' metrics among them); only the judging is left out.
  const ungated: LoadedSuite = { ...suite, config: { ...suite.config, gates: [] } };
  const once = (): Promise<RunRecord> => calibrationRun(ungated, model.name, opts);

  const runs: CalibrationRunSummary[] = [];
  let baseline: RunRecord;
  if (opts.baselineRunId !== undefined) {
    baseline = await (opts.baselineStore ?? opts.store).readRun({ ...key, runId: opts.baselineRunId });
  } else {
    baseline = await once();
    runs.push(summaryOf(baseline, 'baseline'));
    opts.onRun?.(0, opts.runs, baseline);
  }
  const baseSeries = targets.map((t) => seriesOf(baseline, t.gate.metric));
  const pairings: RunPairing[][] = targets.map(() => []);
  for (let i = 0; i < opts.runs; i++) {
    const rec = await once();
    targets.forEach((t, g) => {
      const p = pairDeltas(
        seriesOf(rec, t.gate.metric),
        baseSeries[g]!,
        t.gate.op as DirectionalOp,
        t.params.pairing_mode,
      );
      pairings[g]!.push({ run_id: rec.run_id, ...p });
    });
    runs.push(summaryOf(rec, 'no_change'));
    opts.onRun?.(i + 1, opts.runs, rec);
  }
  const gates: GateCalibration[] = targets.map((t, g) => calibrateGate(t.ref, t.params, pairings[g]!));
  const report = {
    schema_version: CALIBRATION_SCHEMA_VERSION,
    tool: { name: CALIBRATION_TOOL, version: TEMPORALCI_VERSION },
    exit_code_semantics: EXIT_CODE_SEMANTICS,
    generated_at_utc: new Date().toISOString(),
    suite_path: suite.file,
    suite_hash: suite.hash,
    model_name: model.name,
    artifacts_dir: path.resolve(opts.artifactsDir),
    baseline_run_id: baseline.run_id,
    runs_requested: opts.runs,
    runs_completed: pairings[0]!.length,
    calibration_runs: {
      meaning:
        'calibration data, not verdicts: run with no gate and no baseline, every planned sample measured once; every gate reads the same runs',
      runs,
    },
    gates,
  };
  const check: CheckResult | undefined = opts.check ? checkCalibrationGates(gates, opts.check) : undefined;
  return check ? { ...report, check } : report;
}
