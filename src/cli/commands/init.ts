import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { atomicWriteFile } from '../../platform/fs.js';
import { schemaReference } from '../../suite/json-schema.js';
import { checkStarterAdapter, checkStarterMetric, starterSuite } from '../../suite/starter.js';
import { out } from '../io.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a starter suite that runs as-is')
    .option('--output <file>', 'where to write it', 'temporalci.yaml')
    .option('--project <name>', 'project name', 'my-project')
    .option('--adapter <name>', 'adapter of the starter model', 'mock')
    .option('--metric <name>', 'also measure this metric (the preset gates its own)')
    .option('--force', 'overwrite an existing file')
    .action(
      async (flags: {
        output: string;
        project: string;
        adapter: string;
        metric?: string;
        force?: boolean;
      }) => {
        checkStarterAdapter(flags.adapter);
        if (flags.metric !== undefined) checkStarterMetric(flags.metric);
        const exists = await fs
          .access(flags.output)
          .then(() => true)
          .catch(() => false);
        if (exists && !flags.force) {
          throw new TemporalCIError('USAGE', `${flags.output} already exists`, {
            hint: 'pass --force to overwrite it, or --output to write elsewhere',
          });
        }
        await atomicWriteFile(
          flags.output,
          starterSuite({
            project: flags.project,
            adapter: flags.adapter,
            file: flags.output,
            schema: schemaReference(flags.output),
            ...(flags.metric === undefined ? {} : { metric: flags.metric }),
          }),
        );
        out(
          flags.adapter === 'mock'
            ? `wrote ${flags.output}; next: npx temporalci run ${flags.output} --baseline-mode none`
            : `wrote ${flags.output}; fill in its PLACEHOLDER values, then: npx temporalci validate ${flags.output}`,
        );
      },
    );
}
