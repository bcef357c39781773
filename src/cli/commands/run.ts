import { type Command, Option } from 'commander';
import { runSettingsSchema } from '../../schema/suite.js';
import { projectRunSchema } from '../project-config.js';
import { collect, positiveInt, positiveNumber, settingFlag } from './options.js';
import type { RunFlags } from './run-flags.js';

/** The suite's `run:` settings; the flags overriding them parse with the same bounds. */
const setting = runSettingsSchema.shape;
const project = projectRunSchema.shape;
const ORIGINAL = "the original TemporalCI's flag";

/** The original TemporalCI's `run` flags, read as ours (src/cli/commands/run-compat.ts, docs/migrating.md). */
function addOriginalFlags(cmd: Command): Command {
  return cmd
    .option('--retry <n>', `attempts per sample (${ORIGINAL}): --retries N-1`, positiveInt)
    .option('--adapter-timeout <seconds>', `${ORIGINAL}: --timeout`, settingFlag(setting.timeout_s))
    .option('--fail-on-skip', `${ORIGINAL}: --max-failed-ratio 0 (a failed sample is an error)`)
    .option('--ci', `${ORIGINAL}: --no-progress`)
    .option(
      '--model-workers <n>',
      `${ORIGINAL}: accepted; models run one after another (--workers parallelises samples)`,
      positiveInt,
    );
}

export function registerRun(program: Command): void {
  const cmd = program
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
    .option(
      '--workers <n>',
      'samples generated at once (overrides run.workers)',
      settingFlag(setting.workers),
    )
    .option(
      '--retries <n>',
      'retries per sample after the first attempt (overrides run.retries)',
      settingFlag(setting.retries),
    )
    .option(
      '--timeout <seconds>',
      'per-sample generation timeout (overrides run.timeout_s)',
      settingFlag(setting.timeout_s),
    )
    .option(
      '--deadline <seconds>',
      'time budget of each model run; stops early when the rest cannot fit (overrides run.deadline_s)',
      settingFlag(setting.deadline_s),
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
    .option(
      '--max-failed-ratio <r>',
      'share of samples allowed to fail before the run is an error',
      settingFlag(setting.max_failed_ratio),
    )
    .option('--dry-run', 'print the plan (models, samples, metrics, gates) and write nothing')
    .option('--gate-override <gate>', 'replace or add a gate, "METRIC OP VALUE" (repeatable)', collect, [])
    .option('--no-report', 'do not write report.html into each run folder')
    .option('--report-top <n>', 'worst-regressed samples shown with videos in report.html', positiveInt, 6)
    .option('--report-url <base>', 'public URL of the artifacts folder; links in summaries become absolute')
    .option(
      '--viewer-url <base>',
      'URL of a `temporalci view` over these artifacts: the job summary links each listed sample there',
    )
    .option('--junit <file>', 'write JUnit XML: one testcase per gate and per failed sample')
    .option(
      '--webhook-url <url>',
      'POST a notification after each model (overrides notify.url; a secret: never printed)',
    )
    .addOption(
      new Option('--webhook-format <format>', 'webhook payload').choices(['slack', 'discord', 'json']),
    )
    .addOption(new Option('--notify-on <when>', 'when to notify').choices(['failure', 'change', 'always']))
    .option('--coordinator-url <url>', 'run on a fleet: the coordinator of `temporalci serve`')
    .option('--token <token>', 'the submit token for --coordinator-url (default: $TEMPORALCI_TOKEN)')
    .option('--config <file>', 'project config with `run:` defaults (default: ./.temporalci.yaml if present)')
    .option(
      '--prune-keep-last <n>',
      "after each model's run, keep its newest N runs (tagged runs and baselines are kept)",
      positiveInt,
    )
    .option('--fail-fast', 'stop after the first model whose run does not pass')
    .option(
      '--inter-sample-delay <seconds>',
      'pause each worker this long after a sample (rate-limited endpoints)',
      settingFlag(project.inter_sample_delay.unwrap()),
    )
    .option(
      '--watch [seconds]',
      'run again whenever the suite file changes, checking every N seconds (default 1); Ctrl-C stops',
      positiveNumber,
    )
    .option('--env <name>', 'label the runs with an environment name (recorded as the note "env: <name>")');
  addOriginalFlags(cmd).action(
    async (suiteArg: string | undefined, flags: RunFlags & { printJson?: boolean }, self: Command) => {
      const { runCommand } = await import('./run-action.js');
      const givenOnCli = (key: keyof RunFlags) => self.getOptionValueSource(key) === 'cli';
      await runCommand(suiteArg, { ...flags, json: flags.json || flags.printJson }, givenOnCli);
    },
  );
}
