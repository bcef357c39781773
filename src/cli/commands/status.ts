import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { scalarMetrics } from '../../report/analysis.js';
import { loadHistory } from '../../report/history.js';
import { fmt, fmtSigned } from '../../report/html.js';
import { loadSuiteModels, type SuiteModel, suiteExitCode } from '../../report/suite-index.js';
import type { IndexEntry } from '../../schema/files.js';
import { out, warn } from '../io.js';
import { openModelRoot, openSuiteRoot } from '../store.js';
import { positiveInt } from './options.js';

const GLYPH: Record<string, string> = { PASS: 'P', FAIL: 'F', ERROR: 'E', INTERRUPTED: 'I' };
const LEGEND = '(oldest first; P pass, F fail, E error, I interrupted)';

const strip = (entries: readonly IndexEntry[]): string => entries.map((e) => GLYPH[e.status] ?? '?').join('');

interface StatusFlags {
  modelRoot?: string;
  suiteRoot?: string;
  lastN: number;
  json?: boolean;
}

async function modelStatus(flags: StatusFlags & { modelRoot: string }): Promise<void> {
  const { store, model } = await openModelRoot(flags.modelRoot);
  const runs = await loadHistory(store, model, warn, { lastN: flags.lastN });
  const latest = runs[runs.length - 1];
  if (!latest)
    throw new TemporalCIError('RUN_NOT_FOUND', `no runs under ${flags.modelRoot}`, {
      hint: 'run a suite first',
    });
  const prev = runs[runs.length - 2]?.record;
  const now = latest.record ? scalarMetrics(latest.record) : new Map<string, number | null>();
  const before = prev ? scalarMetrics(prev) : new Map<string, number | null>();
  const metrics = [...now].map(([p, v]) => {
    const b = before.get(p);
    return { path: p, value: v, delta: v !== null && typeof b === 'number' ? v - b : null };
  });
  if (flags.json) {
    out(
      JSON.stringify(
        {
          latest: latest.entry,
          note: latest.record?.note ?? null,
          strip: runs.map((r) => r.entry.status),
          metrics,
        },
        null,
        2,
      ),
    );
  } else {
    out(
      `${latest.entry.status}  ${latest.entry.run_id}  ${latest.entry.timestamp_utc}${latest.record?.note ? `  note: ${latest.record.note}` : ''}`,
    );
    out(`last ${runs.length}: ${strip(runs.map((r) => r.entry))}  ${LEGEND}`);
    for (const m of metrics)
      out(`  ${m.path} = ${fmt(m.value)}${m.delta === null ? '' : `  (${fmtSigned(m.delta)} vs previous)`}`);
  }
  process.exitCode = latest.entry.status === 'PASS' ? 0 : latest.entry.status === 'FAIL' ? 2 : 1;
}

function suiteRow(m: SuiteModel, lastN: number) {
  const latest = m.entries[m.entries.length - 1] ?? null;
  return {
    model: m.name,
    runs: m.entries.length,
    pass: m.entries.filter((e) => e.status === 'PASS').length,
    fail: m.entries.filter((e) => e.status === 'FAIL').length,
    latest,
    strip: m.entries.slice(-lastN).map((e) => e.status),
  };
}

async function suiteStatus(flags: StatusFlags & { suiteRoot: string }): Promise<void> {
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
  const rows = models.map((m) => suiteRow(m, flags.lastN));
  const exitCode = suiteExitCode(models);
  if (flags.json) {
    out(JSON.stringify({ suite_root: flags.suiteRoot, exit_code: exitCode, models: rows }, null, 2));
  } else {
    const table = [
      ['model', 'runs', 'pass', 'fail', 'latest', 'run', `last ${flags.lastN}`],
      ...rows.map((r) => [
        r.model,
        String(r.runs),
        String(r.pass),
        String(r.fail),
        r.latest?.status ?? 'NO RUNS',
        r.latest?.run_id ?? '—',
        r.strip.map((st) => GLYPH[st] ?? '?').join(''),
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table)
      out(
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    out(LEGEND);
  }
  process.exitCode = exitCode;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      "a model's latest status, strip and metrics (--model-root), or every model's latest status (--suite-root); exit 0 all PASS, 2 FAIL, 1 ERROR, INTERRUPTED or no runs",
    )
    .option('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--suite-root <dir>', 'artifacts/<project>/<suite>: one row per model')
    .option('--last-n <n>', 'runs in the strip', positiveInt, 10)
    .option('--json', 'print as JSON')
    .action(async (flags: StatusFlags) => {
      const { modelRoot, suiteRoot } = flags;
      if (modelRoot !== undefined && suiteRoot === undefined) return modelStatus({ ...flags, modelRoot });
      if (suiteRoot !== undefined && modelRoot === undefined) return suiteStatus({ ...flags, suiteRoot });
      throw new TemporalCIError('USAGE', 'status needs exactly one of --model-root or --suite-root', {
        hint: 'e.g. temporalci status --suite-root artifacts/<project>/<suite>',
      });
    });
}
