import type { Command } from 'commander';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

export function registerRepairIndex(program: Command): void {
  program
    .command('repair-index')
    .description(
      "rebuild a model's index.json from its run folders: add runs it lacks, drop runs whose folder is gone, give back the disk space a killed session held for its record",
    )
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--json', 'print as JSON')
    .action(async (flags: { modelRoot: string; json?: boolean }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const r = await store.repairIndex(model);
      const runs = (await store.index(model)).length;
      const added = r.added.map((k) => k.runId);
      const dropped = r.dropped.map((k) => k.runId);
      const released = r.released.map((k) => k.runId);
      if (flags.json) {
        out(JSON.stringify({ model_root: flags.modelRoot, runs, added, dropped, released }, null, 2));
        return;
      }
      for (const id of added) out(`added ${id}`);
      for (const id of dropped) out(`dropped ${id}`);
      // A session killed outright leaves the disk space it held for its record; that space is given back.
      for (const id of released) out(`released the record reserve of ${id} (its session is gone)`);
      out(`index.json: ${runs} run(s); added ${added.length}, dropped ${dropped.length}`);
    });
}
