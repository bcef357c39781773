import { TemporalCIError } from '../../errors.js';
import { runOnCoordinator } from '../../fleet/api/submit.js';
import { atomicWriteJson } from '../../platform/fs.js';
import { worstExitCode } from '../../schema/run.js';
import type { LoadedSuite } from '../../suite/types.js';
import { formatRunSummary } from '../format-run.js';
import { err, out, useColor } from '../io.js';
import type { RunFlags } from './run-flags.js';

/** Flags that act on this machine's run and mean nothing for a fleet run (yet): refused, not ignored. */
const LOCAL_ONLY: [keyof RunFlags, string][] = [
  ['resume', '--resume'],
  ['dryRun', '--dry-run'],
  ['deadline', '--deadline'],
  ['workers', '--workers'],
  ['model', '--model'],
  ['junit', '--junit'],
  ['webhookUrl', '--webhook-url'],
];

/** `temporalci run SUITE --coordinator-url URL`: the same summary and exit code as a local run. */
export async function runRemote(suite: LoadedSuite, flags: RunFlags): Promise<void> {
  const token = flags.token ?? process.env.TEMPORALCI_TOKEN;
  if (!token) {
    throw new TemporalCIError('USAGE', '--coordinator-url needs a submit token', {
      hint: 'pass --token, or set TEMPORALCI_TOKEN (which keeps it out of `ps` and shell history)',
    });
  }
  const given = LOCAL_ONLY.filter(([k]) => flags[k] !== undefined && flags[k] !== false).map(([, f]) => f);
  if (
    given.length > 0 ||
    flags.includeModel.length > 0 ||
    flags.excludeModel.length > 0 ||
    flags.gateOverride.length > 0
  ) {
    throw new TemporalCIError(
      'USAGE',
      `${given.join(', ') || 'model selection / --gate-override'} cannot be used with --coordinator-url yet`,
      {
        hint: 'drop it, or run the suite locally',
      },
    );
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const view = await runOnCoordinator(suite, {
      url: flags.coordinatorUrl as string,
      token,
      baselineMode: flags.baselineMode,
      options: {
        retries: flags.retries,
        timeout_s: flags.timeout,
        max_failed_ratio: flags.maxFailedRatio,
        sample_limit: flags.sample,
        ignore_regression: flags.ignoreRegression,
        tag: flags.tag,
      },
      signal: controller.signal,
      onProgress: (v) => {
        if (flags.progress && !flags.json) {
          err(v.models.map((m) => `${m.run.model}: wave ${m.waves.evaluated}/${m.waves.total}`).join('  '));
        }
      },
    });
    const runs = view.models.map((m) => ({ run_dir: m.location, ...(m.record ?? {}), error: m.error }));
    const exitCode = worstExitCode(
      view.models.map((m) => m.record?.status ?? 'ERROR'),
      true,
    );
    const payload = { exit_code: exitCode, runs };
    if (flags.outputJson) await atomicWriteJson(flags.outputJson, payload);
    if (flags.json) out(JSON.stringify(payload, null, 2));
    for (const m of view.models) {
      if (m.record === null) {
        err(
          `ERROR  ${m.run.project}/${m.run.suite}/${m.run.model}  run ${m.run.runId}: ${m.error ?? 'no record'}`,
        );
      } else if (!flags.json) {
        out(
          formatRunSummary(
            { model: m.run.model, run: m.run, runDir: m.location, record: m.record },
            useColor(),
          ),
        );
      }
    }
    process.exitCode = exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
