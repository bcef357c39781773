import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { scalarMetrics } from '../../report/analysis.js';
import { loadHistory } from '../../report/history.js';
import { fmt, fmtSigned } from '../../report/html.js';
import { out, warn } from '../io.js';
import { positiveInt } from './options.js';

const GLYPH: Record<string, string> = { PASS: 'P', FAIL: 'F', ERROR: 'E' };

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      "a model's latest status, recent pass/fail strip and metrics; exit 0 PASS, 2 FAIL, 1 ERROR or no runs",
    )
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option('--last-n <n>', 'runs in the strip', positiveInt, 10)
    .option('--json', 'print as JSON')
    .action(async (flags: { modelRoot: string; lastN: number; json?: boolean }) => {
      const runs = await loadHistory(flags.modelRoot, warn, { lastN: flags.lastN });
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
        out(
          `last ${runs.length}: ${runs.map((r) => GLYPH[r.entry.status] ?? '?').join('')}  (oldest first; P pass, F fail, E error)`,
        );
        for (const m of metrics)
          out(
            `  ${m.path} = ${fmt(m.value)}${m.delta === null ? '' : `  (${fmtSigned(m.delta)} vs previous)`}`,
          );
      }
      process.exitCode = latest.entry.status === 'PASS' ? 0 : latest.entry.status === 'FAIL' ? 2 : 1;
    });
}
