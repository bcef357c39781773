import path from 'node:path';
import { describeError } from '../../errors.js';
import type { Reporter } from '../../runs/reporter.js';
import type { Warn } from '../../store/types.js';
import { writeRunReport } from '../run-report.js';
import { writeModelTrend, writeSuiteIndex } from '../suite-index.js';

export interface HtmlReporterOptions {
  reportTopN?: number;
  /** The suite's artifacts.show_flagged_unblurred (report.html blurs flagged samples unless true). */
  showFlaggedUnblurred?: boolean;
  warn: Warn;
  signal?: AbortSignal;
}

/** What a step of a reporter could not do is a warning: the run's verdict is already committed. */
export async function step(what: string, warn: Warn, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    warn(`${what}: ${describeError(e)}`);
  }
}

/**
 * report.html in the run folder, then the model's trend.html and the suite folder's index.html (a card per
 * model, linking both pages): artifacts/<project>/<suite>/<model>/<run_id> → <model> → <suite>. A partial
 * (interrupted) run gets none: it is resumed or rerun, and that run publishes.
 */
export function htmlReporter(opts: HtmlReporterOptions): Reporter {
  return {
    name: 'html',
    async onRunEnd({ result, reason }) {
      if (reason === 'interrupted') return;
      await step('report.html not written', opts.warn, async () => {
        const r = await writeRunReport(result.runDir, {
          topN: opts.reportTopN,
          showFlaggedUnblurred: opts.showFlaggedUnblurred,
          signal: opts.signal,
        });
        for (const w of r.warnings) opts.warn(`report: ${w}`);
      });
      const modelRoot = path.dirname(result.runDir);
      await step('trend.html not written', opts.warn, async () => {
        await writeModelTrend(modelRoot, opts.warn);
      });
      await step('suite index.html not written', opts.warn, async () => {
        await writeSuiteIndex(path.dirname(modelRoot), opts.warn);
      });
    },
  };
}
