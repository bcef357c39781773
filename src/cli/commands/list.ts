import type { Command } from 'commander';
import { BUILTIN_ADAPTERS } from '../../adapters/registry.js';
import { GATE_METHODS } from '../../gates/registry.js';
import { METRICS } from '../../metrics/registry.js';
import type { MetricMeta } from '../../metrics/types.js';
import { out } from '../io.js';

function metricInfo(name: string, def: MetricMeta<Record<string, unknown>>) {
  // Paths of metrics whose params are required (e.g. log_regex patterns) depend on the suite.
  const defaults = def.params.safeParse({});
  const params = defaults.success ? defaults.data : undefined;
  return {
    name,
    description: def.description,
    reads_pixels: def.readsPixels,
    paths: params ? def.paths(params).map((p) => `${name}.${p}`) : [],
    summary_paths: params ? (def.summaryPaths?.(params) ?? []).map((p) => `${name}.${p}`) : [],
    paths_depend_on_params: !params,
  };
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the built-in adapters, metrics (with their gate paths) and gate methods')
    .option('--json', 'print as JSON')
    .action((flags: { json?: boolean }) => {
      const adapters = Object.entries(BUILTIN_ADAPTERS).map(([name, d]) => ({
        name,
        description: d.meta.description,
      }));
      const metrics = Object.entries(METRICS).map(([name, d]) =>
        metricInfo(name, d.meta as unknown as MetricMeta<Record<string, unknown>>),
      );
      const gateMethods = Object.entries(GATE_METHODS).map(([name, d]) => ({
        name,
        description: d.description,
      }));
      if (flags.json) {
        out(JSON.stringify({ adapters, metrics, gate_methods: gateMethods }, null, 2));
        return;
      }
      out('adapters:');
      for (const a of adapters) out(`  ${a.name.padEnd(20)} ${a.description}`);
      out('metrics:');
      for (const m of metrics) {
        out(`  ${m.name.padEnd(20)} ${m.description}`);
        const paths = m.paths_depend_on_params
          ? 'named by its params'
          : [...m.paths, ...m.summary_paths].join(', ');
        out(`  ${''.padEnd(20)} gate paths: ${paths}`);
      }
      out('gate methods:');
      for (const g of gateMethods) out(`  ${g.name.padEnd(20)} ${g.description}`);
    });
}
