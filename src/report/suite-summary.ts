import type { GateResult, RunStatus } from '../schema/run.js';
import { worstExitCode } from '../schema/run.js';

/**
 * `temporalci summary`: one row per model of a suite with its latest run's status, and one column per gate
 * (a gate is its metric, operator, target and aggregate), holding the value that run measured and the verdict.
 * Models of one suite share its gates, but a model's latest run may be older than a gate change: a column
 * is the union of every model's gates, and a model without that gate has no cell there.
 */

type SummaryGate = Pick<GateResult, 'metric' | 'op' | 'value' | 'aggregate' | 'method' | 'actual' | 'passed'>;

export interface SummaryModelInput {
  name: string;
  /** The latest index entry; null when the model has no run. */
  latest: { run_id: string; status: RunStatus; timestamp_utc: string } | null;
  /** The latest run's gate results; null when its run.json could not be read. */
  gates: readonly SummaryGate[] | null;
}

interface SummaryColumn {
  /** What the column header shows: `metric op value`, plus the aggregate when it is not the mean. */
  label: string;
  metric: string;
  op: SummaryGate['op'];
  value: SummaryGate['value'];
  aggregate: SummaryGate['aggregate'];
  method: SummaryGate['method'];
}

interface SummaryCell {
  actual: number | null;
  passed: boolean;
}

interface SummaryRow {
  model: string;
  status: RunStatus | 'NO RUNS';
  run_id: string | null;
  timestamp_utc: string | null;
  /** False when the latest run's record was unreadable: its cells are unknown, not missing. */
  record_read: boolean;
  /** One per column, in column order; null when the run has no such gate. */
  cells: (SummaryCell | null)[];
}

export interface SuiteSummary {
  columns: SummaryColumn[];
  rows: SummaryRow[];
  /** As `status --suite-root`: 1 when a model has no run or its latest is ERROR/INTERRUPTED, else 2 on FAIL. */
  exit_code: 0 | 1 | 2;
}

function labelOf(g: SummaryGate): string {
  return `${g.metric} ${g.op} ${String(g.value)}${g.aggregate === 'mean' ? '' : ` (${g.aggregate})`}`;
}

export function summarizeSuite(models: readonly SummaryModelInput[]): SuiteSummary {
  const columns: SummaryColumn[] = [];
  const byLabel = new Map<string, number>();
  for (const m of models) {
    for (const g of m.gates ?? []) {
      const label = labelOf(g);
      if (byLabel.has(label)) continue;
      byLabel.set(label, columns.length);
      columns.push({
        label,
        metric: g.metric,
        op: g.op,
        value: g.value,
        aggregate: g.aggregate,
        method: g.method,
      });
    }
  }
  const rows = models.map((m): SummaryRow => {
    const cells: (SummaryCell | null)[] = columns.map(() => null);
    for (const g of m.gates ?? []) cells[byLabel.get(labelOf(g))!] = { actual: g.actual, passed: g.passed };
    return {
      model: m.name,
      status: m.latest?.status ?? 'NO RUNS',
      run_id: m.latest?.run_id ?? null,
      timestamp_utc: m.latest?.timestamp_utc ?? null,
      record_read: m.latest === null || m.gates !== null,
      cells,
    };
  });
  const statuses = models.flatMap((m) => (m.latest ? [m.latest.status] : []));
  return {
    columns,
    rows,
    exit_code: worstExitCode(statuses, models.length > 0 && statuses.length === models.length),
  };
}
