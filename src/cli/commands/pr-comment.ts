import { type Command, InvalidArgumentError } from 'commander';
import { collect, positiveInt } from './options.js';
import type { PrCommentFlags } from './pr-comment-action.js';

/** A point in time for --since: an ISO 8601 date-time (what `date -u +%Y-%m-%dT%H:%M:%SZ` prints). */
function isoTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError(
      `expected an ISO 8601 date-time such as 2026-12-02T17:00:00Z, got "${value}"`,
    );
  }
  return value;
}

export function registerPrComment(program: Command): void {
  program
    .command('pr-comment')
    .description(
      'post or update one pull-request comment with the verdict, failing gates and worst samples (GitHub Actions)',
    )
    .option('--artifacts-dir <dir>', 'root of the local run store', 'artifacts')
    .option(
      '--run-id <id>',
      'comment on these runs (repeatable; default: the newest run of each model)',
      collect,
      [],
    )
    .option(
      '--since <time>',
      "only runs started at or after this ISO 8601 time (the CI job's start)",
      isoTime,
    )
    .option(
      '--results <file>',
      'the runs of `run --output-json FILE` instead (a fleet run, whose records are not in --artifacts-dir)',
    )
    .option('--report-url <base>', 'public URL of the artifacts folder: report links and poster-frame images')
    .option('--artifact-url <url>', 'where the uploaded artifacts folder can be downloaded')
    .option(
      '--viewer-url <url>',
      'where `temporalci view` serves the runs: the comment links each run and regressed sample to its page',
    )
    .option('--key <name>', 'tells comments apart on one PR (default: the project/suite of the runs)')
    .option('--top <n>', 'regressed samples listed per run', positiveInt, 3)
    .option('--dry-run', 'print the comment instead of posting it')
    .action(async (flags: PrCommentFlags) => {
      const { prCommentCommand } = await import('./pr-comment-action.js');
      await prCommentCommand(flags);
    });
}
