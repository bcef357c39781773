import path from 'node:path';
import { type Command, Option } from 'commander';
import { TemporalCIError } from '../../errors.js';
import type { WebhookFormat } from '../../notify/payload.js';
import { type NotifyOn, resolveWebhook } from '../../notify/webhook.js';
import { atomicWriteJson } from '../../platform/fs.js';
import type { PublishOptions } from '../../report/publish.js';
import { planRun, runSuite } from '../../runs/engine.js';
import { assertSameSuite, planResume, type ResumePlan } from '../../store/run-state.js';
import { parseGateOverride } from '../../suite/gate-override.js';
import { loadSuite } from '../../suite/load.js';
import { formatRunSummary } from '../format-run.js';
import { err, out, useColor, warn } from '../io.js';
import { createProgress } from '../progress.js';
import { collect, nonNegativeInt, positiveInt, positiveNumber, ratio } from './options.js';

interface RunFlags {
  model?: string;
  includeModel: string[];
  excludeModel: string[];
  artifactsDir: string;
  baselineMode: string;
  ignoreRegression?: boolean;
  tag?: string;
  json?: boolean;
  outputJson?: string;
  progress: boolean;
  sample?: number;
  workers?: number;
  retries?: number;
  timeout?: number;
  deadline?: number;
  onDeadline?: 'error' | 'fail' | 'evaluate';
  resume?: string;
  maxFailedRatio?: number;
  dryRun?: boolean;
  gateOverride: string[];
  report: boolean;
  reportTop: number;
  reportUrl?: string;
  junit?: string;
  webhookUrl?: string;
  webhookFormat?: WebhookFormat;
  notifyOn?: NotifyOn;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'generate every sample of a suite, measure it, gate it, and exit 0 (pass), 2 (fail) or 1 (error)',
    )
    .argument('[suite]', 'suite YAML file (with --resume: defaults to the one the run started from)')
    .option('--model <name>', 'run only this model')
    .option('--include-model <name>', 'run only these models (repeatable)', collect, [])
    .option('--exclude-model <name>', 'skip these models (repeatable)', collect, [])
    .option('--artifacts-dir <dir>', 'root of the local run store', 'artifacts')
    .option('--baseline-mode <mode>', 'none | latest | latest_pass | tag:<name> | rolling:<N>', 'latest_pass')
    .option('--ignore-regression', 'only gates decide the status; regressions are reported but do not fail')
    .option(
      '--tag <name>',
      'tag each finished run with this name (a baseline for --baseline-mode tag:<name>)',
    )
    .option('--json', 'print the full result as JSON instead of the summary')
    .option('--print-json', 'alias of --json')
    .option('--output-json <file>', 'also write the full result as JSON to this file')
    .option('--no-progress', 'no progress output')
    .option('--sample <n>', 'only the first N samples of each model', positiveInt)
    .option('--workers <n>', 'samples generated at once (overrides run.workers)', positiveInt)
    .option(
      '--retries <n>',
      'retries per sample after the first attempt (overrides run.retries)',
      nonNegativeInt,
    )
    .option('--timeout <seconds>', 'per-sample generation timeout (overrides run.timeout_s)', positiveNumber)
    .option(
      '--deadline <seconds>',
      'time budget of each model run; stops early when the rest cannot fit (overrides run.deadline_s)',
      positiveNumber,
    )
    .addOption(
      new Option(
        '--on-deadline <policy>',
        'when the deadline stops generation (overrides run.on_deadline)',
      ).choices(['error', 'fail', 'evaluate']),
    )
    .option(
      '--resume <run_dir>',
      'continue an interrupted or crashed run: reuse its finished samples, generate the missing ones',
    )
    .option('--max-failed-ratio <r>', 'share of samples allowed to fail before the run is an error', ratio)
    .option('--dry-run', 'print the plan (models, samples, metrics, gates) and write nothing')
    .option('--gate-override <gate>', 'replace or add a gate, "METRIC OP VALUE" (repeatable)', collect, [])
    .option('--no-report', 'do not write report.html into each run folder')
    .option('--report-top <n>', 'worst-regressed samples shown with videos in report.html', positiveInt, 6)
    .option('--report-url <base>', 'public URL of the artifacts folder; links in summaries become absolute')
    .option('--junit <file>', 'write JUnit XML: one testcase per gate and per failed sample')
    .option(
      '--webhook-url <url>',
      'POST a notification after each model (overrides notify.url; a secret: never printed)',
    )
    .addOption(
      new Option('--webhook-format <format>', 'webhook payload').choices(['slack', 'discord', 'json']),
    )
    .addOption(new Option('--notify-on <when>', 'when to notify').choices(['failure', 'change', 'always']))
    .action(async (suiteArg: string | undefined, flags: RunFlags & { printJson?: boolean }) => {
      const resume: ResumePlan | undefined = flags.resume ? await planResume(flags.resume) : undefined;
      const suitePath = suiteArg ?? resume?.state.suite.path;
      if (suitePath === undefined) {
        throw new TemporalCIError('USAGE', 'missing the suite file', {
          hint: 'temporalci run <suite.yaml>, or temporalci run --resume <run_dir>',
        });
      }
      const suite = await loadSuite(suitePath);
      if (resume) assertSameSuite(resume.state, suite.file, suite.hash);
      for (const w of suite.warnings) warn(w);
      // Resuming continues the run as it was started; flags given now override its execution settings only.
      const was = resume?.state.options;
      const gateOverrides = flags.gateOverride.map((g) => parseGateOverride(g, suite));
      const common = {
        model: flags.model,
        includeModels: flags.includeModel,
        excludeModels: flags.excludeModel,
        sampleLimit: was ? (was.sample_limit ?? undefined) : flags.sample,
        gateOverrides,
      };
      if (flags.dryRun) {
        const plan = planRun(suite, common);
        if (flags.json || flags.printJson) {
          out(JSON.stringify(plan, null, 2));
          return;
        }
        for (const m of plan.models) {
          out(`model ${m.name} (adapter ${m.adapter}): ${m.samples.length} samples`);
          for (const s of m.samples) out(`  ${s.sampleId}  ${s.testId}  seed=${s.seed}  "${s.prompt}"`);
        }
        out(`metrics: ${plan.metrics.join(', ')}`);
        for (const g of plan.gates) out(`gate: ${g.metric} ${g.op} ${String(g.value)} (${g.method})`);
        out('dry run: nothing generated or written');
        return;
      }
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // Resolved before any generation, so a bad URL or a missing ${ENV} fails fast (exit 1).
      const webhook = resolveWebhook(suite.config.notify, {
        url: flags.webhookUrl,
        format: flags.webhookFormat,
        notifyOn: flags.notifyOn,
      });
      const publish: PublishOptions = {
        report: flags.report,
        reportTopN: flags.reportTop,
        showFlaggedUnblurred: suite.config.artifacts.show_flagged_unblurred,
        reportUrlBase: flags.reportUrl,
        junitFile: flags.junit,
        stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
        githubAnnotations: process.env.GITHUB_ACTIONS === 'true',
        artifactsDir: flags.artifactsDir,
        suiteFile: path.relative(process.cwd(), suite.file),
        webhook,
        // With --json, stdout must stay one JSON document; the runner reads workflow commands on stderr too.
        print: flags.json || flags.printJson ? err : out,
        warn,
        signal: controller.signal,
      };
      const progress = createProgress(flags.progress && !flags.json && !flags.printJson);
      try {
        const result = await runSuite(suite, {
          ...common,
          artifactsDir: resume?.artifactsDir ?? flags.artifactsDir,
          baselineMode: was?.baseline_mode ?? flags.baselineMode,
          ignoreRegression: was?.ignore_regression ?? flags.ignoreRegression,
          tag: was ? (was.tag ?? undefined) : flags.tag,
          workers: flags.workers ?? was?.workers,
          retries: flags.retries ?? was?.retries,
          timeoutS: flags.timeout ?? was?.timeout_s ?? undefined,
          deadlineS: flags.deadline ?? was?.deadline_s ?? undefined,
          onDeadline: flags.onDeadline,
          resume: resume ? { runDir: resume.runDir, state: resume.state } : undefined,
          maxFailedRatio: flags.maxFailedRatio ?? was?.max_failed_ratio,
          signal: controller.signal,
          warn,
          publish,
          onModelStart: (i) => progress.modelStart(i.model, i.runDir, i.planned),
          onSample: (model, done, total, s) => progress.sample(model, done, total, s),
        });
        progress.stop();
        const payload = {
          exit_code: result.exitCode,
          runs: result.runs.map((r) => ({ run_dir: r.runDir, ...r.record })),
        };
        if (flags.outputJson) await atomicWriteJson(flags.outputJson, payload);
        if (flags.json || flags.printJson) out(JSON.stringify(payload, null, 2));
        else for (const r of result.runs) out(formatRunSummary(r, useColor()));
        if (controller.signal.aborted) {
          throw new TemporalCIError('INTERRUPTED', 'interrupted; partial results were written', {
            hint: `continue it with: temporalci run --resume ${result.runs.at(-1)?.runDir ?? '<run_dir>'}`,
          });
        }
        process.exitCode = result.exitCode;
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
