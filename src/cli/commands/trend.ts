import path from 'node:path';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { atomicWriteFile } from '../../platform/fs.js';
import { loadHistory } from '../../report/history.js';
import { trendHtml } from '../../report/trend.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';
import { nonNegativeInt } from './options.js';

export function registerTrend(program: Command): void {
  program
    .command('trend')
    .description('write trend.html: pass/fail strip, one chart per metric with change points, the run table')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--output <file>', 'HTML file (default <model-root>/trend.html)')
    .option('--last-n <n>', 'only the last N runs (0 = all)', nonNegativeInt, 30)
    .option('--title <text>', 'page title')
    .action(async (flags: { modelRoot: string; output?: string; lastN: number; title?: string }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const runs = await loadHistory(store, model, warn, { lastN: flags.lastN });
      if (runs.length === 0) {
        throw new TemporalCIError('RUN_NOT_FOUND', `no runs under ${flags.modelRoot}`, {
          hint: 'run a suite first',
        });
      }
      const rec = runs.find((r) => r.record)?.record;
      const title =
        flags.title ??
        `Trend: ${rec ? `${rec.project} / ${rec.suite_name} / ${rec.model_name}` : flags.modelRoot}`;
      const file = flags.output ?? path.join(flags.modelRoot, 'trend.html');
      await atomicWriteFile(file, trendHtml(title, runs));
      out(`wrote ${file} (${runs.length} runs)`);
    });
}
