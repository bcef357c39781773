import type { Command } from 'commander';
import { describeError, TemporalCIError } from '../../errors.js';
import { fmt } from '../../report/html.js';
import { loadSuiteModels } from '../../report/suite-index.js';
import { type SummaryModelInput, summarizeSuite } from '../../report/suite-summary.js';
import { out, warn } from '../io.js';
import { openSuiteRoot } from '../store.js';
import { printTable } from '../table.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description(
      "one row per model of a suite: the latest run's status and, per gate, the value it measured and its verdict; exit as status --suite-root",
    )
    .requiredOption('--suite-root <dir>', 'artifacts/<project>/<suite>')
    .option('--json', 'print as JSON')
    .action(async (flags: { suiteRoot: string; json?: boolean }) => {
      const { store, project, suite } = await openSuiteRoot(flags.suiteRoot);
      const models = await loadSuiteModels(store, project, suite);
      if (models.length === 0) {
        throw new TemporalCIError(
          'RUN_NOT_FOUND',
          `no model folders (with index.json) under ${flags.suiteRoot}`,
          {
            hint: 'pass artifacts/<project>/<suite_name> after running the suite',
          },
        );
      }
      const inputs: SummaryModelInput[] = [];
      for (const m of models) {
        const latest = m.entries[m.entries.length - 1] ?? null;
        let gates: SummaryModelInput['gates'] = null;
        if (latest) {
          try {
            gates = (await store.readRun({ ...m.key, runId: latest.run_id })).gates;
          } catch (e) {
            warn(`run ${latest.run_id} of ${m.name}: ${describeError(e)}`);
          }
        }
        inputs.push({ name: m.name, latest, gates });
      }
      const s = summarizeSuite(inputs);
      process.exitCode = s.exit_code;
      if (flags.json) {
        out(JSON.stringify({ suite_root: flags.suiteRoot, project, suite, ...s }, null, 2));
        return;
      }
      printTable([
        ['model', 'status', 'run', ...s.columns.map((c) => c.label)],
        ...s.rows.map((r) => [
          r.model,
          r.status,
          r.run_id ?? '—',
          ...r.cells.map((c) =>
            !r.record_read ? '?' : c === null ? '—' : `${fmt(c.actual)} ${c.passed ? 'PASS' : 'FAIL'}`,
          ),
        ]),
      ]);
      if (s.rows.some((r) => !r.record_read))
        out('? = the run.json of that run could not be read (see the warning)');
    });
}
