import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TemporalCIError } from '../../errors.js';
import { resolveWebhook } from '../../notify/webhook.js';
import { atomicWriteJson } from '../../platform/fs.js';
import { reportLocation } from '../../report/reporters/ci.js';
import { createReporter } from '../../report/reporters/index.js';
import { planRun, runSuite } from '../../runs/engine.js';
import type { ModelRunResult, Reporter } from '../../runs/reporter.js';
import type { RunState } from '../../schema/files.js';
import type { RunRecord } from '../../schema/run.js';
import { type PruneStore, pruneRuns } from '../../store/prune.js';
import { assertSameSuite, planResume, type ResumePlan } from '../../store/run-state.js';
import type { RunKey, RunStore } from '../../store/types.js';
import { parseGateOverride } from '../../suite/gate-override.js';
import { formatIssues } from '../../suite/issues.js';
import { loadSuite } from '../../suite/load.js';
import type { LoadedSuite } from '../../suite/types.js';
import { formatRunSummary } from '../format-run.js';
import { err, isInteractive, out, useColor, warn } from '../io.js';
import { loadProjectConfig, ProjectConfigError } from '../project-config.js';
import { openLocalStore } from '../store.js';
import { applyProjectConfig, type GivenOnCli, resolveOriginalFlags } from './run-compat.js';
import type { RunFlags } from './run-flags.js';

function runKeyOfState(s: RunState): RunKey {
  return { project: s.project, suite: s.suite_name, model: s.model_name, runId: s.run_id };
}

function printDryRun(plan: ReturnType<typeof planRun>, json: boolean | undefined): void {
  if (json) {
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
}

/** The outputs the flags and the environment ask for; each is a subscriber of the run. */
function reportersFor(
  flags: RunFlags,
  suite: LoadedSuite,
  store: RunStore,
  artifactsDir: string,
  signal: AbortSignal,
): Reporter[] {
  // Resolved before any generation, so a bad URL or a missing ${ENV} fails fast (exit 1).
  const webhook = resolveWebhook(suite.config.notify, {
    url: flags.webhookUrl,
    format: flags.webhookFormat,
    notifyOn: flags.notifyOn,
  });
  const reporters: Reporter[] = [];
  if (flags.progress && !flags.json) {
    reporters.push(createReporter('progress', { stream: process.stderr, interactive: isInteractive() }));
  }
  if (flags.report) {
    reporters.push(
      createReporter('html', {
        reportTopN: flags.reportTop,
        showFlaggedUnblurred: suite.config.artifacts.show_flagged_unblurred,
        warn,
        signal,
      }),
    );
  }
  if (flags.junit) reporters.push(createReporter('junit', { file: flags.junit, warn }));
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    reporters.push(
      createReporter('github-summary', {
        file: summaryFile,
        artifactsDir,
        reportUrlBase: flags.reportUrl,
        viewerUrl: flags.viewerUrl,
        readBaseline: (rec) => readBaselineRecord(store, rec),
        warn,
      }),
    );
  }
  if (process.env.GITHUB_ACTIONS === 'true') {
    // With --json, stdout must stay one JSON document; the runner reads workflow commands on stderr too.
    const print = flags.json ? err : out;
    reporters.push(
      createReporter('github-annotations', {
        suiteFile: path.relative(process.cwd(), suite.file),
        gateLines: suite.gateLines,
        print,
      }),
    );
  }
  if (webhook) {
    const reportLink = (r: { runDir: string }) => reportLocation(r.runDir, artifactsDir, flags.reportUrl);
    reporters.push(createReporter('webhook', { target: webhook, store, reportLink, warn, signal }));
  }
  return reporters;
}

/** The record a run was compared with; a rolling mean has none, and an unreadable one only costs deltas. */
async function readBaselineRecord(store: RunStore, rec: RunRecord): Promise<RunRecord | null> {
  const id = rec.baseline.run_id;
  if (id === null || id.startsWith('rolling:')) return null;
  const key = { project: rec.project, suite: rec.suite_name, model: rec.model_name, runId: id };
  return store.readRun(key).catch(() => null);
}

async function loadRunSuite(
  suiteArg: string | undefined,
  resume: ResumePlan | undefined,
): Promise<LoadedSuite> {
  const suitePath = suiteArg ?? resume?.state.suite.path;
  if (suitePath === undefined) {
    throw new TemporalCIError('USAGE', 'missing the suite file', {
      hint: 'temporalci run <suite.yaml>, or temporalci run --resume <run_dir>',
    });
  }
  const suite = await loadSuite(suitePath);
  if (resume) assertSameSuite(resume.state, suite.file, suite.hash);
  for (const w of suite.warnings) warn(w);
  return suite;
}

/** `temporalci run`: project config and the original's flags → our flags → run (or watch) → print. */
export async function runCommand(
  suiteArg: string | undefined,
  cliFlags: RunFlags,
  givenOnCli: GivenOnCli = () => true,
): Promise<void> {
  const { flags: merged, fromFile } = await withProjectConfig(cliFlags, givenOnCli);
  const flags = resolveOriginalFlags(merged, (line) => err(`note: ${line}`), fromFile);
  if (flags.watch !== undefined) {
    const { watchRuns } = await import('./run-watch.js');
    process.exitCode = await watchRuns(suiteArg, flags, (p) => runOnce(suiteArg, p), flags.watch);
    return;
  }
  process.exitCode = await runOnce(suiteArg, flags);
}

/** The flags with `--config` (or ./.temporalci.yaml) filled in; a bad file lists its problems (exit 1). */
async function withProjectConfig(
  flags: RunFlags,
  givenOnCli: GivenOnCli,
): Promise<ReturnType<typeof applyProjectConfig>> {
  let config: Awaited<ReturnType<typeof loadProjectConfig>>;
  try {
    config = await loadProjectConfig(flags.config);
  } catch (e) {
    if (e instanceof ProjectConfigError) err(formatIssues(e.issues));
    throw e;
  }
  if (config === undefined) return { flags, fromFile: new Map() };
  for (const key of config.ignoredKeys)
    warn(`${config.file}: \`${key}\` is not used (only \`run:\` is read)`);
  return applyProjectConfig(flags, config, givenOnCli);
}

/** What the flags ask for after the runs: `--env` notes, then `--prune-keep-last`. */
async function afterRuns(
  store: RunStore & PruneStore,
  runs: readonly ModelRunResult[],
  flags: RunFlags,
): Promise<void> {
  for (const r of runs) {
    if (flags.env !== undefined && r.record.note === undefined) {
      r.record.note = `env: ${flags.env}`;
      await store.commitRun(r.record);
    }
  }
  if (flags.pruneKeepLast === undefined) return;
  for (const r of runs) {
    const model = { project: r.run.project, suite: r.run.suite, model: r.run.model };
    const p = await pruneRuns(store, model, flags.pruneKeepLast, { dryRun: false, warn });
    err(
      `pruned ${r.model}: kept=${p.kept.length} deleted=${p.deleted.length} freed=${(p.bytes / 1e6).toFixed(1)} MB`,
    );
  }
}

/** Each worker pauses after a sample (`--inter-sample-delay`); the last sample of a run does not wait. */
function pacing(seconds: number, signal: AbortSignal): Reporter {
  return {
    name: 'inter-sample-delay',
    onSampleEnd: async ({ done, total }) => {
      if (done < total && seconds > 0)
        await sleep(seconds * 1000, undefined, { signal }).catch(() => undefined);
    },
  };
}

/** One `temporalci run`: its exit code (0, 2 or 1); interrupts and usage errors throw. */
async function runOnce(suiteArg: string | undefined, flags: RunFlags): Promise<0 | 1 | 2> {
  if (flags.coordinatorUrl !== undefined) {
    const { runRemote } = await import('./run-remote.js');
    await runRemote(await loadRunSuite(suiteArg, undefined), flags);
    return (process.exitCode ?? 0) as 0 | 1 | 2;
  }
  const resume = flags.resume ? await planResume(flags.resume) : undefined;
  const suite = await loadRunSuite(suiteArg, resume);
  const selection = {
    model: flags.model,
    includeModels: flags.includeModel,
    excludeModels: flags.excludeModel,
    sampleLimit: resume ? (resume.state.options.sample_limit ?? undefined) : flags.sample,
    gateOverrides: flags.gateOverride.map((g) => parseGateOverride(g, suite)),
  };
  if (flags.dryRun) {
    printDryRun(planRun(suite, selection), flags.json);
    return 0;
  }
  const artifactsDir = resume?.artifactsDir ?? flags.artifactsDir;
  const store = openLocalStore(artifactsDir);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const reporters = reportersFor(flags, suite, store, artifactsDir, controller.signal);
    if (flags.interSampleDelay !== undefined)
      reporters.push(pacing(flags.interSampleDelay, controller.signal));
    const result = await runSuite(suite, {
      ...selection,
      store,
      artifacts: store,
      reporters,
      baselineMode: flags.baselineMode,
      ignoreRegression: flags.ignoreRegression,
      tag: flags.tag,
      workers: flags.workers,
      retries: flags.retries,
      timeoutS: flags.timeout,
      deadlineS: flags.deadline,
      onDeadline: flags.onDeadline,
      maxFailedRatio: flags.maxFailedRatio,
      failFast: flags.failFast,
      resume: resume ? { run: runKeyOfState(resume.state), state: resume.state } : undefined,
      signal: controller.signal,
      warn,
    });
    if (!controller.signal.aborted) await afterRuns(store, result.runs, flags);
    const payload = {
      exit_code: result.exitCode,
      runs: result.runs.map((r) => ({ run_dir: r.runDir, ...r.record })),
    };
    if (flags.outputJson) await atomicWriteJson(flags.outputJson, payload);
    if (flags.json) out(JSON.stringify(payload, null, 2));
    else for (const r of result.runs) out(formatRunSummary(r, useColor()));
    if (controller.signal.aborted) {
      throw new TemporalCIError('INTERRUPTED', 'interrupted; partial results were written', {
        hint: `continue it with: temporalci run --resume ${result.runs.at(-1)?.runDir ?? '<run_dir>'}`,
      });
    }
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
