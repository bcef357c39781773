import { webhookReporter } from '../../notify/reporter.js';
import type { Reporter } from '../../runs/reporter.js';
import { githubAnnotationsReporter, githubSummaryReporter, junitReporter } from './ci.js';
import { htmlReporter } from './html.js';
import { progressReporter } from './progress.js';

/**
 * Every built-in output of a run, by name, each with its own options type. The engine knows none of them:
 * the CLI picks the ones its flags and environment ask for and passes them to `runSuite` as subscribers.
 */
export const REPORTERS = {
  html: htmlReporter,
  junit: junitReporter,
  'github-summary': githubSummaryReporter,
  'github-annotations': githubAnnotationsReporter,
  webhook: webhookReporter,
  progress: progressReporter,
} satisfies Record<string, (opts: never) => Reporter>;

export type ReporterName = keyof typeof REPORTERS;
export type ReporterOptions<N extends ReporterName> = Parameters<(typeof REPORTERS)[N]>[0];

export function createReporter<N extends ReporterName>(name: N, opts: ReporterOptions<N>): Reporter {
  return (REPORTERS[name] as (o: ReporterOptions<N>) => Reporter)(opts);
}
