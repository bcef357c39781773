import path from 'node:path';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { atomicWriteFile } from '../../platform/fs.js';
import { scalarMetrics } from '../../report/analysis.js';
import { badgeColour, badgeSvg } from '../../report/badge.js';
import { loadHistory } from '../../report/history.js';
import { fmt } from '../../report/html.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';

export function registerBadge(program: Command): void {
  program
    .command('badge')
    .description("write an SVG badge of a model's latest status, or of one metric's latest value")
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--metric <path>', 'show this metric (e.g. vbench_temporal.score) instead of the status')
    .option('--label <text>', 'left-hand text', 'TemporalCI')
    .option('--output <file>', 'SVG file (default <model-root>/badge.svg)')
    .action(async (flags: { modelRoot: string; metric?: string; label: string; output?: string }) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const runs = await loadHistory(store, model, warn, { lastN: 1 });
      const latest = runs[0];
      if (!latest)
        throw new TemporalCIError('RUN_NOT_FOUND', `no runs under ${flags.modelRoot}`, {
          hint: 'run a suite first',
        });
      let message: string = latest.entry.status;
      if (flags.metric) {
        const v = latest.record ? scalarMetrics(latest.record).get(flags.metric) : undefined;
        if (v === undefined) {
          throw new TemporalCIError('USAGE', `the latest run has no metric "${flags.metric}"`, {
            hint: latest.record
              ? `known: ${[...scalarMetrics(latest.record).keys()].join(', ')}`
              : 'its run.json is unreadable',
          });
        }
        message = `${fmt(v, 4)} (${latest.entry.status})`;
      }
      const file = flags.output ?? path.join(flags.modelRoot, 'badge.svg');
      await atomicWriteFile(
        file,
        badgeSvg(
          flags.metric ? `${flags.label} ${flags.metric}` : flags.label,
          message,
          badgeColour(latest.entry.status),
        ),
      );
      out(`wrote ${file}`);
    });
}
