import path from 'node:path';
import type { Command } from 'commander';
import { atomicWriteJson } from '../../platform/fs.js';
import { requireModelRoot } from '../../report/history.js';
import { RUN_FILE, readRunRecord } from '../../store/local.js';
import { within } from '../../store/paths.js';
import { out } from '../io.js';

export function registerAnnotate(program: Command): void {
  program
    .command('annotate')
    .description('attach a note to a run (shown by status, history, trend and the report)')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .requiredOption('--run-id <id>', 'the run')
    .requiredOption('--note <text>', 'the note; an empty string removes it')
    .action(async (flags: { modelRoot: string; runId: string; note: string }) => {
      await requireModelRoot(flags.modelRoot);
      const dir = within(flags.modelRoot, flags.runId);
      const rec = await readRunRecord(dir);
      if (flags.note === '') delete rec.note;
      else rec.note = flags.note;
      await atomicWriteJson(path.join(dir, RUN_FILE), rec);
      out(flags.note === '' ? `removed the note of ${rec.run_id}` : `noted ${rec.run_id}`);
    });
}
