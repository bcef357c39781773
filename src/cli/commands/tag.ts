import type { Command } from 'commander';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

export function registerTag(program: Command): void {
  const tag = program.command('tag').description('name a run so it can serve as a baseline (tag:<name>)');
  tag
    .command('set')
    .description('tag an existing run')
    .argument('<name>', 'tag name')
    .argument('<run-id>', 'run id (a folder under the model root)')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .action(async (name: string, runId: string, flags: { modelRoot: string }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      await store.setTag(model, name, runId);
      out(`tag ${name} -> ${runId}`);
    });
  tag
    .command('list')
    .description('list the tags of a model')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--json', 'print as JSON')
    .action(async (flags: { modelRoot: string; json?: boolean }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const tags = await store.tags(model);
      if (flags.json) out(JSON.stringify(tags, null, 2));
      else for (const [name, runId] of Object.entries(tags)) out(`${name}\t${runId}`);
    });
  tag
    .command('delete')
    .description('delete a tag (the run stays)')
    .argument('<name>', 'tag name')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .action(async (name: string, flags: { modelRoot: string }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      await store.deleteTag(model, name);
      out(`deleted tag ${name}`);
    });
}
