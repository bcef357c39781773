import type { Command } from 'commander';
import { pruneRuns } from '../../store/prune.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';
import { positiveInt } from './options.js';

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('delete old runs of a model; tagged runs and the current baseline are always kept')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .requiredOption('--keep-last <n>', 'keep the newest N runs', positiveInt)
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action(async (flags: { modelRoot: string; keepLast: number; dryRun?: boolean }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const r = await pruneRuns(store, model, flags.keepLast, { dryRun: flags.dryRun === true, warn });
      const verb = r.dryRun ? 'would delete' : 'deleted';
      for (const id of r.deleted) out(`${verb} ${id}`);
      for (const [id, why] of Object.entries(r.protectedRuns)) out(`kept ${id} (${why})`);
      out(
        `${r.dryRun ? 'dry run: ' : ''}kept=${r.kept.length} ${verb.replace(' ', '_')}=${r.deleted.length} freed=${(r.bytes / 1e6).toFixed(1)} MB`,
      );
    });
}
