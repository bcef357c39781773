import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

/** A value given as an argument or as the original TemporalCI's flag (`--name`, `--run-id`): one, or both equal. */
function argOrFlag(arg: string | undefined, flag: string | undefined, what: string, option: string): string {
  if (arg !== undefined && flag !== undefined && arg !== flag) {
    throw new TemporalCIError('USAGE', `the ${what} is given twice: "${arg}" and ${option} "${flag}"`, {
      hint: `give it once, as an argument or with ${option}`,
    });
  }
  const value = arg ?? flag;
  if (value === undefined) {
    throw new TemporalCIError('USAGE', `missing the ${what}`, {
      hint: 'temporalci tag set <name> <run-id> --model-root <dir> (or --name and --run-id)',
    });
  }
  return value;
}

export function registerTag(program: Command): void {
  const tag = program.command('tag').description('name a run so it can serve as a baseline (tag:<name>)');
  tag
    .command('set')
    .description('tag an existing run')
    .argument('[name]', 'tag name')
    .argument('[run-id]', 'run id (a folder under the model root)')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--name <name>', "the tag name (the original TemporalCI's flag)")
    .option('--run-id <id>', "the run id (the original TemporalCI's flag)")
    .action(
      async (
        nameArg: string | undefined,
        runArg: string | undefined,
        flags: { modelRoot: string; name?: string; runId?: string },
      ) => {
        const name = argOrFlag(nameArg, flags.name, 'tag name', '--name');
        const runId = argOrFlag(runArg, flags.runId, 'run id', '--run-id');
        const { store, model } = await openModelRoot(flags.modelRoot);
        await store.setTag(model, name, runId);
        out(`tag ${name} -> ${runId}`);
      },
    );
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
    .argument('[name]', 'tag name')
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--name <name>', "the tag name (the original TemporalCI's flag)")
    .action(async (nameArg: string | undefined, flags: { modelRoot: string; name?: string }) => {
      const name = argOrFlag(nameArg, flags.name, 'tag name', '--name');
      const { store, model } = await openModelRoot(flags.modelRoot);
      await store.deleteTag(model, name);
      out(`deleted tag ${name}`);
    });
}
