import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { samplePathValue } from '../../gates/ranking.js';
import { perSamplePaths, scalarMetrics } from '../../report/analysis.js';
import { fmt } from '../../report/html.js';
import type { RunRecord } from '../../schema/run.js';
import type { ModelKey, RunStore } from '../../store/types.js';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';
import { printTable } from '../table.js';

interface MetricsShowFlags {
  modelRoot: string;
  runId: string;
  samples?: boolean;
  json?: boolean;
}

/**
 * The run `--run-id` names: `latest` is the model's newest run in its index; any other id must be in the
 * index, so a mistyped id gets the list's ends rather than a file-not-found.
 */
async function pickRun(
  store: Pick<RunStore, 'index' | 'readRun'>,
  model: ModelKey,
  runId: string,
  where: string,
): Promise<RunRecord> {
  const entries = await store.index(model);
  const entry = runId === 'latest' ? entries[entries.length - 1] : entries.find((e) => e.run_id === runId);
  if (!entry) {
    const known = entries.length
      ? `its runs go from ${entries[0]!.run_id} to ${entries[entries.length - 1]!.run_id}`
      : 'it has no runs yet';
    throw new TemporalCIError('RUN_NOT_FOUND', `no run ${runId} under ${where}`, {
      hint: `${known}; \`temporalci history --model-root ${where}\` lists them`,
    });
  }
  return store.readRun({ ...model, runId: entry.run_id });
}

/** Per-sample values of every metric path (gated paths first); failed samples have none. */
function sampleRows(rec: RunRecord) {
  const paths = perSamplePaths(rec);
  return rec.samples.map((s) => ({
    sample_id: s.sample_id,
    test_id: s.test_id,
    prompt: s.prompt,
    seed: s.seed,
    error: s.error ? `${s.error.stage}: ${s.error.code}` : null,
    metrics: Object.fromEntries(paths.map((p) => [p, samplePathValue(s, p)])),
  }));
}

function printText(rec: RunRecord, withSamples: boolean): void {
  out(
    `${rec.status}  ${rec.run_id}  ${rec.timestamp_utc}  ${rec.counts.measured}/${rec.counts.planned} samples measured  baseline ${rec.baseline.run_id ?? 'none'}${rec.note ? `  note: ${rec.note}` : ''}`,
  );
  if (rec.gates.length) {
    out();
    printTable([
      ['gate', 'target', 'actual', 'verdict'],
      ...rec.gates.map((g) => [
        g.metric,
        `${g.op} ${String(g.value)}${g.aggregate === 'mean' ? '' : ` (${g.aggregate})`}`,
        fmt(g.actual),
        g.passed ? 'PASS' : 'FAIL',
      ]),
    ]);
  }
  const regressed = rec.regressions.filter((r) => r.regressed);
  if (regressed.length) {
    out();
    for (const r of regressed)
      out(`regression ${r.metric}: ${fmt(r.baseline)} -> ${fmt(r.current)} (${fmt(r.delta)})`);
  }
  out();
  printTable([['metric', 'value'], ...[...scalarMetrics(rec)].map(([p, v]) => [p, fmt(v)])]);
  if (!withSamples) return;
  out();
  const rows: string[][] = [['sample', 'seed', 'metric', 'value']];
  for (const s of sampleRows(rec)) {
    if (s.error) rows.push([s.sample_id, String(s.seed), 'error', s.error]);
    for (const [p, v] of Object.entries(s.metrics))
      if (v !== null) rows.push([s.sample_id, String(s.seed), p, fmt(v)]);
  }
  printTable(rows);
}

export function registerMetricsShow(program: Command): void {
  program
    .command('metrics-show')
    .description("a run's gates, run-level metrics and (--samples) per-sample values, as a table or JSON")
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--run-id <id>', 'the run, or "latest"', 'latest')
    .option('--samples', 'also list every sample’s values (the original’s --verbose)')
    .option('--json', 'print as JSON (always with the samples)')
    .action(async (flags: MetricsShowFlags) => {
      const { store, model } = await openModelRoot(flags.modelRoot);
      const rec = await pickRun(store, model, flags.runId, flags.modelRoot);
      if (!flags.json) return printText(rec, flags.samples === true);
      out(
        JSON.stringify(
          {
            run_id: rec.run_id,
            project: rec.project,
            suite_name: rec.suite_name,
            model_name: rec.model_name,
            status: rec.status,
            timestamp_utc: rec.timestamp_utc,
            counts: rec.counts,
            baseline_run_id: rec.baseline.run_id,
            note: rec.note ?? null,
            gates: rec.gates.map((g) => ({
              metric: g.metric,
              op: g.op,
              value: g.value,
              method: g.method,
              aggregate: g.aggregate,
              actual: g.actual,
              passed: g.passed,
              reason: g.reason,
            })),
            regressions: rec.regressions,
            metrics: Object.fromEntries(scalarMetrics(rec)),
            samples: sampleRows(rec),
          },
          null,
          2,
        ),
      );
    });
}
