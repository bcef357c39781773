import type { Command } from 'commander';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

export function registerRepairIndex(program: Command): void {
  program
    .command('repair-index')
    .description(
      "rebuild a model's index.json from its run folders: add runs it lacks, drop runs whose folder is gone",
    )
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--json', 'print as JSON')
    .action(async (flags: { modelRoot: string; json?: boolean }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const r = await store.repairIndex(model);
      const runs = (await store.index(model)).length;
      const added = r.added.map((k) => k.runId);
      const dropped = r.dropped.map((k) => k.runId);
      if (flags.json) {
        out(JSON.stringify({ model_root: flags.modelRoot, runs, added, dropped }, null, 2));
        return;
      }
      for (const id of added) out(`added ${id}`);
      for (const id of dropped) out(`dropped ${id}`);
      out(`index.json: ${runs} run(s); added ${added.length}, dropped ${dropped.length}`);
    });
}
