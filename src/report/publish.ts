import path from 'node:path';
import { describeError } from '../errors.js';
import { buildPayload, eventOf } from '../notify/payload.js';
import {
  deliver,
  describeTarget,
  previousStatus,
  shouldNotify,
  targetSecrets,
  type WebhookTarget,
} from '../notify/webhook.js';
import { redact } from '../platform/env.js';
import { atomicWriteFile } from '../platform/fs.js';
import type { ModelRunResult } from '../runs/model-run.js';
import { loadIndex, type Warn } from '../store/local.js';
import { annotations, appendStepSummary, summaryMarkdown } from './github.js';
import { junitXml } from './junit.js';
import { writeRunReport } from './run-report.js';
import { writeModelTrend, writeSuiteIndex } from './suite-index.js';

/**
 * Everything that happens after a model's run is recorded: report.html, JUnit, the GitHub step summary and
 * annotations, the webhook. The run's verdict is already on disk, so none of these may change it: each
 * failure becomes a visible warning (and the exit code stays the verdict's).
 */
export interface PublishOptions {
  /** Write report.html into the run folder, the model's trend.html and the suite's index.html. Default true. */
  report?: boolean;
  reportTopN?: number;
  /** The suite's artifacts.show_flagged_unblurred (report.html blurs flagged samples unless true). */
  showFlaggedUnblurred?: boolean;
  /** Rewritten after each model with every run so far. */
  junitFile?: string;
  /** $GITHUB_STEP_SUMMARY. */
  stepSummaryFile?: string;
  /** Print ::error/::warning workflow commands (GITHUB_ACTIONS=true). */
  githubAnnotations?: boolean;
  /** Public base URL of the artifacts folder (e.g. where CI uploads it); makes report links absolute. */
  reportUrlBase?: string;
  /** The artifacts folder, to express report paths relative to it. */
  artifactsDir: string;
  suiteFile?: string;
  webhook?: WebhookTarget | null;
  /** Workflow commands go to stdout, where the runner reads them. */
  print: (line: string) => void;
  warn: Warn;
  signal?: AbortSignal;
}

function reportLocation(
  runDir: string,
  artifactsDir: string,
  base: string | undefined,
): { path: string; url: string | null } {
  const file = path.join(runDir, 'report.html');
  const rel = path.relative(artifactsDir, file).split(path.sep).join('/');
  const url = base ? `${base.replace(/\/+$/, '')}/${rel.split('/').map(encodeURIComponent).join('/')}` : null;
  return { path: path.relative(process.cwd(), file) || file, url };
}

async function step(what: string, warn: Warn, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    warn(`${what}: ${describeError(e)}`);
  }
}

/** Publishes one finished model run; `all` is every run of this invocation so far (for the JUnit file). */
export async function publishRun(
  result: ModelRunResult,
  all: readonly ModelRunResult[],
  opts: PublishOptions,
): Promise<void> {
  const rec = result.record;
  const where = reportLocation(result.runDir, opts.artifactsDir, opts.reportUrlBase);
  if (opts.report !== false) {
    await step('report.html not written', opts.warn, async () => {
      const r = await writeRunReport(result.runDir, {
        topN: opts.reportTopN,
        showFlaggedUnblurred: opts.showFlaggedUnblurred,
        signal: opts.signal,
      });
      for (const w of r.warnings) opts.warn(`report: ${w}`);
    });
    // The model's trend.html, then the suite folder's index.html (a card per model, linking both pages):
    // artifacts/<project>/<suite>/<model>/<run_id> → <model> → <suite>.
    const modelRoot = path.dirname(result.runDir);
    await step('trend.html not written', opts.warn, async () => {
      await writeModelTrend(modelRoot, opts.warn);
    });
    await step('suite index.html not written', opts.warn, async () => {
      await writeSuiteIndex(path.dirname(modelRoot), opts.warn);
    });
  }
  if (opts.junitFile) {
    const file = opts.junitFile;
    await step(`JUnit file ${file} not written`, opts.warn, () =>
      atomicWriteFile(file, junitXml(all.map((r) => r.record))),
    );
  }
  if (opts.stepSummaryFile) {
    const file = opts.stepSummaryFile;
    await step('GitHub step summary not written', opts.warn, async () => {
      const md = summaryMarkdown(rec, { reportLink: where.url ?? where.path });
      if ((await appendStepSummary(file, md)) === 0)
        opts.warn('GitHub step summary is full (1 MiB); nothing appended');
    });
  }
  if (opts.githubAnnotations) for (const line of annotations(rec, opts.suiteFile)) opts.print(line);
  const target = opts.webhook;
  if (target) {
    await step(
      'webhook not sent',
      (m) => opts.warn(redact(m, targetSecrets(target))),
      async () => {
        const history = await loadIndex(path.dirname(result.runDir), opts.warn);
        const previous = previousStatus(history, rec.run_id);
        if (!shouldNotify(target.notifyOn, rec.status, previous)) return;
        const payload = buildPayload(target.format, {
          record: rec,
          previousStatus: previous,
          event: eventOf(rec.status, previous),
          reportPath: where.path,
          reportUrl: where.url,
        });
        const sent = await deliver(target, payload, opts.signal);
        if (!sent.ok) {
          opts.warn(
            `webhook to ${describeTarget(target.url)} failed after ${sent.attempts} attempt(s): ${sent.error ?? 'unknown error'}; the run's result is unchanged`,
          );
        }
      },
    );
  }
}
