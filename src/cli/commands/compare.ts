import path from 'node:path';
import type { Command } from 'commander';
import { atomicWriteFile } from '../../platform/fs.js';
import { compareHtml, compareRecords, compareText } from '../../report/compare.js';
import { requireModelRoot } from '../../report/history.js';
import { readRunRecord } from '../../store/local.js';
import { within } from '../../store/paths.js';
import { out } from '../io.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare a candidate run with a baseline run; exit 2 when the candidate regresses beyond the gates',
    )
    .argument('<baseline-run>', 'run id of the baseline (A)')
    .argument('<candidate-run>', 'run id of the candidate (B)')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--output <file>', 'HTML file (default <model-root>/<candidate>/compare-<baseline>.html)')
    .option('--json', 'print the comparison as JSON instead of text')
    .action(async (a: string, b: string, flags: { modelRoot: string; output?: string; json?: boolean }) => {
      await requireModelRoot(flags.modelRoot);
      const ra = await readRunRecord(within(flags.modelRoot, a));
      const rb = await readRunRecord(within(flags.modelRoot, b));
      const c = compareRecords(ra, rb);
      const file = flags.output ?? path.join(within(flags.modelRoot, b), `compare-${ra.run_id}.html`);
      await atomicWriteFile(file, compareHtml(c));
      if (flags.json) {
        const { a: _a, b: _b, ...rest } = c;
        out(JSON.stringify({ baseline: ra.run_id, candidate: rb.run_id, html: file, ...rest }, null, 2));
      } else {
        out(compareText(c));
        out(`wrote ${file}`);
      }
      process.exitCode = c.regressed ? 2 : 0;
    });
}
