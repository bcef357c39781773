import path from 'node:path';
import { atomicWriteFile } from '../../platform/fs.js';
import type { Reporter } from '../../runs/reporter.js';
import type { RunRecord } from '../../schema/run.js';
import type { Warn } from '../../store/types.js';
import { annotations, appendStepSummary, summaryMarkdown } from '../github.js';
import { junitXml } from '../junit.js';
import { step } from './html.js';

/** Where a run's report.html is, as a path from the working folder and, with a public base, a URL. */
export function reportLocation(
  runDir: string,
  artifactsDir: string,
  base: string | undefined,
): { path: string; url: string | null } {
  const file = path.join(runDir, 'report.html');
  const rel = path.relative(artifactsDir, file).split(path.sep).join('/');
  const url = base ? `${base.replace(/\/+$/, '')}/${rel.split('/').map(encodeURIComponent).join('/')}` : null;
  return { path: path.relative(process.cwd(), file) || file, url };
}

/** JUnit XML with every run of this invocation so far, rewritten after each model. */
export function junitReporter(opts: { file: string; warn: Warn }): Reporter {
  return {
    name: 'junit',
    async onRunEnd({ reason, all }) {
      if (reason === 'interrupted') return;
      await step(`JUnit file ${opts.file} not written`, opts.warn, () =>
        atomicWriteFile(opts.file, junitXml(all.map((r) => r.record))),
      );
    },
  };
}

export interface StepSummaryOptions {
  /** $GITHUB_STEP_SUMMARY. */
  file: string;
  artifactsDir: string;
  /** Public base URL of the artifacts folder (e.g. where CI uploads it); makes report links absolute. */
  reportUrlBase?: string;
  /** Base URL of `temporalci view` (`--viewer-url`): links to the run and to each listed sample. */
  viewerUrl?: string;
  /** The run's baseline record (null when none or unreadable), for each listed sample's change. */
  readBaseline?: (rec: RunRecord) => Promise<RunRecord | null>;
  warn: Warn;
}

/** The GitHub job summary: a Markdown section per model run, appended to $GITHUB_STEP_SUMMARY. */
export function githubSummaryReporter(opts: StepSummaryOptions): Reporter {
  return {
    name: 'github-summary',
    async onRunEnd({ result, reason }) {
      if (reason === 'interrupted') return;
      const where = reportLocation(result.runDir, opts.artifactsDir, opts.reportUrlBase);
      await step('GitHub step summary not written', opts.warn, async () => {
        const baseline = (await opts.readBaseline?.(result.record)) ?? null;
        const md = summaryMarkdown(result.record, {
          reportLink: where.url ?? where.path,
          baseline,
          viewerUrl: opts.viewerUrl,
        });
        if ((await appendStepSummary(opts.file, md)) === 0)
          opts.warn('GitHub step summary is full (1 MiB); nothing appended');
      });
    },
  };
}

/** ::error/::warning workflow commands, printed where the runner reads them. */
export function githubAnnotationsReporter(opts: {
  suiteFile?: string;
  /** Line of each gate in the suite file (LoadedSuite.gateLines): annotations point at it. */
  gateLines?: readonly number[];
  print: (line: string) => void;
}): Reporter {
  return {
    name: 'github-annotations',
    onRunEnd({ result, reason }) {
      if (reason === 'interrupted') return;
      const where = { file: opts.suiteFile, gateLines: opts.gateLines ?? [] };
      for (const line of annotations(result.record, where)) opts.print(line);
    },
  };
}
