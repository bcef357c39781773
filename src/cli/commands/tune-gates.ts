import { type Command, InvalidArgumentError } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { suggestGates, type TuneSuggestion } from '../../gates/tune.js';
import { loadHistory } from '../../report/history.js';
import { fmt } from '../../report/html.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';
import { nonNegativeInt, positiveInt } from './options.js';

interface TuneFlags {
  modelRoot: string;
  quantile: number;
  lastN: number;
  minRuns: number;
  json?: boolean;
}

function quantileFlag(value: string): number {
  const q = Number(value);
  if (value.trim() === '' || !Number.isFinite(q) || q < 0 || q > 0.5)
    throw new InvalidArgumentError(`expected a share between 0 and 0.5 (0.05 = 5 %), got "${value}"`);
  return q;
}

function minRunsFlag(value: string): number {
  const n = positiveInt(value);
  if (n < 2) throw new InvalidArgumentError(`expected at least 2 runs, got "${value}"`);
  return n;
}

const target = (g: TuneSuggestion['gate']) =>
  `${g.metric} ${g.op} ${String(g.value)}${g.aggregate === 'mean' ? '' : ` (${g.aggregate})`}`;

function printText(suggestions: readonly TuneSuggestion[], header: string): void {
  out(header);
  for (const s of suggestions) {
    if (s.kind === 'skipped') {
      out(`  ${target(s.gate)}: not tuned, ${s.reason}`);
      continue;
    }
    out(
      `  ${target(s.gate)}  ->  ${s.gate.op} ${s.suggested}  (${s.change}; n=${s.based_on}, range ${fmt(s.min)}..${fmt(s.max)}, latest pass ${fmt(s.last_pass.value)} in ${s.last_pass.run_id})`,
    );
  }
  const tuned = suggestions.filter((s) => s.kind === 'suggested');
  if (tuned.length === 0) return;
  out();
  out('gates:');
  for (const s of tuned) {
    out(`  - metric: ${s.gate.metric}`);
    out(`    op: "${s.gate.op}"`);
    out(`    value: ${s.suggested}`);
    if (s.gate.aggregate !== 'mean') out(`    aggregate: ${s.gate.aggregate}`);
  }
}

export function registerTuneGates(program: Command): void {
  program
    .command('tune-gates')
    .description(
      "suggest each threshold gate's value from the model's passing runs: the low quantile for >= gates, the high one for <= gates, never one the latest passing run would fail",
    )
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option(
      '--quantile <q>',
      'share of runs like the passing ones a suggestion may fail (0.05 = the 5th percentile of a >= gate)',
      quantileFlag,
      0.05,
    )
    .option('--last-n <n>', 'only the last N runs (0 = all)', nonNegativeInt, 30)
    .option('--min-runs <n>', 'fewest passing runs a suggestion may rest on (at least 2)', minRunsFlag, 5)
    .option('--json', 'print as JSON')
    .action(async (flags: TuneFlags) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const history = await loadHistory(store, model, warn, { lastN: flags.lastN });
      const passes = history.filter((r) => r.entry.status === 'PASS' && r.record).length;
      if (passes < flags.minRuns) {
        throw new TemporalCIError(
          'RUN_NOT_FOUND',
          `tune-gates needs at least ${flags.minRuns} passing runs; ${flags.modelRoot} has ${passes} among its last ${history.length} run(s)`,
          {
            hint: 'run the suite more often before tuning, or lower --min-runs (suggestions from few runs are noise)',
          },
        );
      }
      // The gates to tune are the ones the suite has now: those of its newest readable run.
      const current = [...history].reverse().find((r) => r.record)!.record!;
      const suggestions = suggestGates(
        current.gates.map(({ metric, op, value, aggregate, method }) => ({
          metric,
          op,
          value,
          aggregate,
          method,
        })),
        history.map((r) => ({
          run_id: r.entry.run_id,
          status: r.entry.status,
          gates: r.record?.gates ?? null,
        })),
        { quantile: flags.quantile, minRuns: flags.minRuns },
      );
      const basis = {
        quantile: flags.quantile,
        runs: history.length,
        passing_runs: passes,
        gates_from_run: current.run_id,
      };
      if (flags.json) {
        out(JSON.stringify({ model_root: flags.modelRoot, ...basis, suggestions }, null, 2));
        return;
      }
      printText(
        suggestions,
        `based on ${passes} passing run(s) of the last ${history.length} (quantile ${flags.quantile}; gates of run ${current.run_id})`,
      );
    });
}
