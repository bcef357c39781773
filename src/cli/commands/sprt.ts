import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { type CheckThresholds, checkCalibrationGates, gateLabel } from '../../gates/calibration.js';
import { applyTargets, parseCalibration } from '../../gates/calibration-file.js';
import { describeReadFailure, readBoundedFile } from '../../platform/bounded-read.js';
import { atomicWriteFile, atomicWriteJson } from '../../platform/fs.js';
import { calibrateSprt } from '../../runs/calibrate.js';
import { applyCalibrationText } from '../../suite/apply-calibration.js';
import { loadSuite } from '../../suite/load.js';
import { err, out, warn } from '../io.js';
import { openLocalStore } from '../store.js';
import { addHiddenAlias } from './flag-alias.js';
import { nonNegativeInt, positiveInt, positiveNumber } from './options.js';

interface CheckFlags {
  check?: boolean;
  failIfNoDeltas?: boolean;
  minTotalDeltas?: number;
  maxMismatchRuns?: number;
  maxRecommendedSigma?: number;
  minRecommendedSigma?: number;
}

function thresholdsOf(f: CheckFlags): CheckThresholds {
  const t: CheckThresholds = {};
  if (f.failIfNoDeltas) t.fail_if_no_deltas = true;
  if (f.minTotalDeltas !== undefined) t.min_total_deltas = f.minTotalDeltas;
  if (f.maxMismatchRuns !== undefined) t.max_mismatch_runs = f.maxMismatchRuns;
  if (f.maxRecommendedSigma !== undefined) t.max_recommended_sigma = f.maxRecommendedSigma;
  if (f.minRecommendedSigma !== undefined) t.min_recommended_sigma = f.minRecommendedSigma;
  return t;
}

function withCheckFlags(c: Command): Command {
  return c
    .option('--fail-if-no-deltas', 'fail (exit 2) when the runs produced no paired deltas')
    .option('--min-total-deltas <n>', 'fail (exit 2) with fewer pooled deltas', nonNegativeInt)
    .option(
      '--max-mismatch-runs <n>',
      'fail (exit 2) when more runs paired below min_paired_ratio',
      nonNegativeInt,
    )
    .option(
      '--max-recommended-sigma <x>',
      'fail (exit 2) when the recommended sigma is larger',
      positiveNumber,
    )
    .option(
      '--min-recommended-sigma <x>',
      'fail (exit 2) when the recommended sigma is smaller',
      positiveNumber,
    );
}

function printCheck(failures: string[]): 0 | 2 {
  if (failures.length === 0) {
    out('check_passed');
    return 0;
  }
  for (const f of failures) err(`check_failed: ${f}`);
  return 2;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = (await readBoundedFile(file)).toString('utf8');
  } catch (e) {
    throw new TemporalCIError('USAGE', `cannot read ${file}: it ${describeReadFailure(e)}`, {
      file,
      hint: 'pass the JSON written by `temporalci sprt calibrate`',
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TemporalCIError('USAGE', `${file} is not valid JSON: ${(e as Error).message}`, { file });
  }
}

function registerCalibrate(sprt: Command): void {
  withCheckFlags(
    sprt
      .command('calibrate')
      .description('calibrate every sprt_regression gate: sigma and min_pairs from repeated no-change runs')
      .requiredOption('--suite <file>', 'suite YAML with sprt_regression gates')
      .option('--runs <n>', 'no-change runs after the baseline', positiveInt, 8)
      .option('--gate-metric <path>', 'calibrate only the sprt_regression gate on this metric (default: all)')
      .option('--model <name>', 'the model to run (needed when the suite has several)')
      .option(
        '--artifacts-dir <dir>',
        'where the calibration runs are stored, apart from CI history',
        'artifacts/sprt-calibration',
      )
      .option('--baseline-run-id <id>', 'reuse this run of the model as the baseline instead of a fresh one')
      .option('--baseline-artifacts-dir <dir>', 'where --baseline-run-id is kept (default: --artifacts-dir)')
      .option('--output-json <file>', 'calibration JSON (default <artifacts-dir>/sprt_calibration.json)')
      .option('--check', 'check the calibration against the threshold flags (implied by any of them)'),
  ).action(
    async (
      flags: CheckFlags & {
        suite: string;
        runs: number;
        gateMetric?: string;
        model?: string;
        artifactsDir: string;
        baselineRunId?: string;
        baselineArtifactsDir?: string;
        outputJson?: string;
      },
    ) => {
      if (flags.baselineArtifactsDir !== undefined && flags.baselineRunId === undefined) {
        throw new TemporalCIError('USAGE', '--baseline-artifacts-dir needs --baseline-run-id', {
          hint: 'name the run to reuse with --baseline-run-id',
        });
      }
      const suite = await loadSuite(flags.suite);
      const t = thresholdsOf(flags);
      const checking = flags.check || Object.keys(t).length > 0;
      const store = openLocalStore(flags.artifactsDir);
      const report = await calibrateSprt(suite, {
        store,
        artifacts: store,
        runs: flags.runs,
        gateMetric: flags.gateMetric,
        model: flags.model,
        artifactsDir: flags.artifactsDir,
        baselineRunId: flags.baselineRunId,
        baselineStore:
          flags.baselineArtifactsDir === undefined ? undefined : openLocalStore(flags.baselineArtifactsDir),
        check: checking ? t : undefined,
        warn,
        // Calibration runs are data, not verdicts: they run with no gate, so no status is printed for them.
        onRun: (done, total, rec) =>
          err(
            `${done === 0 ? 'calibration baseline run' : `calibration run ${done}/${total}`}: ${rec.run_id} measured ${rec.counts.measured} sample(s) (calibration data: no gate evaluated)`,
          ),
      });
      const file = flags.outputJson ?? path.join(flags.artifactsDir, 'sprt_calibration.json');
      await atomicWriteJson(file, report);
      for (const g of report.gates) {
        const s = g.delta_summary;
        out(
          `gate ${gateLabel(g)}: ${s.count} deltas from ${report.runs_completed} runs vs baseline ${report.baseline_run_id}`,
        );
        out(
          `  sigma: std=${s.std ?? 'n/a'} mad=${s.mad_sigma ?? 'n/a'} floor=${g.sigma_candidates.sigma_floor} -> recommended ${g.recommended_params.sigma}, min_pairs ${g.recommended_params.min_pairs}`,
        );
        for (const n of g.notes) out(`  note: ${n}`);
      }
      out(`wrote ${file} (${report.gates.length} gate(s); \`temporalci sprt apply\` writes them all)`);
      if ('check' in report) process.exitCode = printCheck(report.check.failures);
    },
  );
}

function registerApply(sprt: Command): void {
  const apply = sprt
    .command('apply')
    .description(
      "write every calibrated gate's sigma and min_pairs into a suite, keeping comments and layout",
    )
    .requiredOption('--suite <file>', 'the suite that was calibrated')
    .requiredOption('--calibration-json <file>', 'output of `temporalci sprt calibrate`')
    .option('--gate-metric <path>', 'update only the gate on this metric (default: every calibrated gate)')
    // --output as every other command that writes a file; --out was this command's name for it.
    .option('--output <file>', 'write here (default <suite>.calibrated.yaml)')
    .option('--in-place', 'rewrite the suite itself, keeping <suite>.bak')
    .option('--force', 'apply even when the suite changed since calibration');
  addHiddenAlias(apply, '--out <file>', 'output').action(
    async (flags: {
      suite: string;
      calibrationJson: string;
      gateMetric?: string;
      output?: string;
      inPlace?: boolean;
      force?: boolean;
    }) => {
      if (flags.output && flags.inPlace) {
        throw new TemporalCIError('USAGE', '--output and --in-place cannot be combined', {
          hint: 'pick one',
        });
      }
      const cal = parseCalibration(await readJson(flags.calibrationJson), flags.calibrationJson);
      let bytes: Buffer;
      try {
        bytes = await readBoundedFile(flags.suite);
      } catch (e) {
        throw new TemporalCIError('SUITE_NOT_FOUND', `suite file ${flags.suite} ${describeReadFailure(e)}`, {
          file: flags.suite,
        });
      }
      const hash = createHash(cal.hash_algorithm).update(bytes).digest('hex');
      if (hash !== cal.suite_hash) {
        if (!flags.force) {
          err(
            `error: suite hash mismatch: ${flags.suite} changed since calibration (${hash.slice(0, 12)} vs ${cal.suite_hash.slice(0, 12)}); rerun calibrate, or rerun with --force to override`,
          );
          process.exitCode = 2;
          return;
        }
        warn('suite_hash_check_overridden: the suite changed since calibration (--force)');
      }
      const targets = applyTargets(cal, flags.gateMetric);
      // One pass over the text per gate; each splices only its own gate's params.
      const text = targets.reduce(
        (t, g) => applyCalibrationText(t, flags.suite, g.metric, g.index, g.values),
        bytes.toString('utf8'),
      );
      const target = flags.inPlace
        ? flags.suite
        : (flags.output ?? flags.suite.replace(/(\.ya?ml)?$/i, '.calibrated.yaml'));
      // Validate next to the target (relative prompt files resolve the same) before replacing anything.
      const probe = path.join(path.dirname(flags.suite), `.${path.basename(target)}.${process.pid}.tmp.yaml`);
      await fs.writeFile(probe, text);
      try {
        await loadSuite(probe);
      } finally {
        await fs.rm(probe, { force: true });
      }
      if (flags.inPlace) await fs.copyFile(flags.suite, `${flags.suite}.bak`);
      await atomicWriteFile(target, text);
      for (const g of targets) {
        out(
          `applied sigma_mode=fixed sigma=${g.values.sigma} min_pairs=${g.values.min_pairs} to ${g.metric}${g.from === undefined ? '' : ` (calibrated as ${g.from})`}`,
        );
      }
      out(`wrote ${target}${flags.inPlace ? ` (backup ${flags.suite}.bak)` : ''}`);
    },
  );
}

function registerCheck(sprt: Command): void {
  withCheckFlags(
    sprt
      .command('check')
      .description('fail (exit 2) when a calibration is below the given quality floors')
      .requiredOption('--calibration-json <file>', 'output of `temporalci sprt calibrate`'),
  ).action(async (flags: CheckFlags & { calibrationJson: string }) => {
    const cal = parseCalibration(await readJson(flags.calibrationJson), flags.calibrationJson);
    process.exitCode = printCheck(checkCalibrationGates(cal.gates, thresholdsOf(flags)).failures);
  });
}

export function registerSprt(program: Command): void {
  const sprt = program
    .command('sprt')
    .description('calibrate sprt_regression gates: calibrate, apply, check');
  registerCalibrate(sprt);
  registerApply(sprt);
  registerCheck(sprt);
  for (const c of sprt.commands) c.exitOverride();
}
