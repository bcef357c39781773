import type { Command } from 'commander';
import { atomicWriteFile } from '../../platform/fs.js';
import { compareHtml, compareRecords, compareText } from '../../report/compare.js';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

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
      const { store, model } = await openModelRoot(flags.modelRoot);
      const ra = await store.readRun({ ...model, runId: a });
      const rb = await store.readRun({ ...model, runId: b });
      const c = compareRecords(ra, rb);
      let file: string;
      if (flags.output) {
        file = flags.output;
        await atomicWriteFile(file, compareHtml(c));
      } else {
        // The page sits in the candidate's run folder, as one of its artifacts.
        const key = { run: { ...model, runId: b }, name: `compare-${ra.run_id}.html` };
        await store.putText(key, compareHtml(c));
        file = store.localPath(key);
      }
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
