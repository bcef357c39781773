import { type Command, Option } from 'commander';
import { loadHistory } from '../../report/history.js';
import type { RunStatus } from '../../schema/run.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';
import { nonNegativeInt } from './options.js';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('the run table of a model, filtered by status and date')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .addOption(
      new Option('--status <status>', 'only runs with this status')
        .choices(['PASS', 'FAIL', 'ERROR', 'INTERRUPTED', 'all'])
        .default('all'),
    )
    .option('--since <date>', 'only runs started at or after this date (YYYY-MM-DD or ISO date-time)')
    .option('--last-n <n>', 'only the last N matching runs (0 = all)', nonNegativeInt, 20)
    .option('--json', 'print as JSON')
    .action(
      async (flags: {
        modelRoot: string;
        status: RunStatus | 'all';
        since?: string;
        lastN: number;
        json?: boolean;
      }) => {
        const { store, model } = await openModelRoot(flags.modelRoot);
        const runs = await loadHistory(store, model, warn, {
          status: flags.status === 'all' ? undefined : flags.status,
          since: flags.since,
          lastN: flags.lastN,
        });
        if (flags.json) {
          out(
            JSON.stringify(
              runs.map((r) => ({
                ...r.entry,
                baseline_run_id: r.record?.baseline.run_id ?? null,
                note: r.record?.note ?? null,
              })),
              null,
              2,
            ),
          );
          return;
        }
        out('run_id\tstarted_utc\tstatus\tmeasured\tbaseline\tnote');
        for (const r of runs) {
          out(
            [
              r.entry.run_id,
              r.entry.timestamp_utc,
              r.entry.status,
              `${r.entry.samples_measured}/${r.entry.samples_planned}`,
              r.record?.baseline.run_id ?? '-',
              r.record?.note ?? '',
            ].join('\t'),
          );
        }
        if (runs.length === 0) warn('no run matches');
      },
    );
}
