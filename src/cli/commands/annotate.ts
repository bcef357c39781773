import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

export function registerAnnotate(program: Command): void {
  program
    .command('annotate')
    .description('attach a note to a run (shown by status, history, trend and the report)')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .requiredOption('--run-id <id>', 'the run')
    .requiredOption('--note <text>', 'the note; an empty string removes it')
    .action(async (flags: { modelRoot: string; runId: string; note: string }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const rec = await store.readRun({ ...model, runId: flags.runId });
      // The store files a record by the names inside it: one copied in from another model would be
      // written back there, not here.
      const own = [rec.project, rec.suite_name, rec.model_name, rec.run_id];
      if (own.join('/') !== [model.project, model.suite, model.model, flags.runId].join('/')) {
        throw new TemporalCIError(
          'STORE_CORRUPT',
          `the run.json of ${flags.runId} under ${flags.modelRoot} is of ${own.join('/')}`,
          { hint: 'annotate the run in its own model folder' },
        );
      }
      if (flags.note === '') delete rec.note;
      else rec.note = flags.note;
      await store.commitRun(rec);
      out(flags.note === '' ? `removed the note of ${rec.run_id}` : `noted ${rec.run_id}`);
    });
}
