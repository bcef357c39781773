import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { atomicWriteFile } from '../../platform/fs.js';
import { out } from '../io.js';

function starterSuite(project: string, adapter: string, metric: string | undefined): string {
  const extra =
    metric === undefined
      ? ''
      : `\n  - name: ${metric}          # measured and reported; add a gate to gate it`;
  return `# A TemporalCI suite, written by \`temporalci init\`. It runs as-is with the mock model:
#   npx temporalci run ${'{file}'} --baseline-mode none
# Every key is documented in README.md under "Suite YAML reference".
version: 1
project: ${project}
suite_name: smoke
models:
  - name: my-model
    adapter: ${adapter}          # the mock renders real video; use http, command or a module path for your model
    params: {}
tests:
  - id: quality-check
    prompts:
      - "a red ball bouncing on a wooden floor"
      - "a slow camera pan over a mountain lake at sunrise"
    seeds: [0, 1, 2]
    video:
      num_frames: 25
      fps: 8
      resolution: 256
metrics:                 # the preset below adds the metrics its gates read${extra}
  - name: vbench_temporal
gates:
  # The default gate set, pinned to its version: it catches noise, flicker, judder, dropped frames, blur,
  # freezes, colour shifts and heavy compression, and passes re-encodes, small tone changes, other seeds and
  # reruns (README: "Default gates"). Add your own gates below it.
  - preset: video_regression@1
`;
}

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
          starterSuite(flags.project, flags.adapter, flags.metric).replace('{file}', flags.output),
        );
        out(`wrote ${flags.output}; next: npx temporalci run ${flags.output} --baseline-mode none`);
      },
    );
}
