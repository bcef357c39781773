import { Argument, type Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { atomicWriteFile } from '../../platform/fs.js';
import { exportCsv, exportJsonl, loadHistory } from '../../report/history.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';
import { nonNegativeInt } from './options.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'export the run history as CSV (one column per metric) or JSONL (one run per line, no samples)',
    )
    .addArgument(new Argument('<format>', 'csv or jsonl').choices(['csv', 'jsonl']))
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--output <file>', 'write here instead of stdout')
    .option('--last-n <n>', 'only the last N runs (0 = all)', nonNegativeInt, 0)
    .action(async (format: 'csv' | 'jsonl', flags: { modelRoot: string; output?: string; lastN: number }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const runs = await loadHistory(store, model, warn, { lastN: flags.lastN });
      if (runs.length === 0) {
        throw new TemporalCIError('RUN_NOT_FOUND', `no runs under ${flags.modelRoot}`, {
          hint: 'run a suite first',
        });
      }
      const text = format === 'csv' ? exportCsv(runs) : exportJsonl(runs);
      if (flags.output) {
        await atomicWriteFile(flags.output, text);
        out(`wrote ${flags.output} (${runs.length} runs)`);
      } else process.stdout.write(text);
    });
}
