import { gatedPaths } from '../gates/ranking.js';
import { scalarMetrics } from '../report/analysis.js';
import { eDivisive } from '../report/changepoint.js';
import { type HistoryRun, metricPathsOf } from '../report/history.js';
import type { RunRecord } from '../schema/run.js';
import type { ModelKey } from '../store/types.js';

/**
 * The trend page's JSON: every scalar metric of a model's runs, oldest first, with the change points the
 * static trend.html finds (E-divisive means, src/report/changepoint.ts) and whether the latest run gates
 * it. The page shows the gated ones and keeps the rest behind a toggle; pure, so tests need no server.
 */

interface TrendRun {
  run_id: string;
  status: string;
  timestamp_utc: string;
}

interface TrendChangePoint {
  /** Position in `runs` of the first run after the change. */
  index: number;
  run_id: string;
  mean_before: number;
  mean_after: number;
  relative_change: number | null;
  p_value: number;
}

interface TrendSeries {
  path: string;
  gated: boolean;
  /** The latest run's gate threshold on this path, when numeric. */
  target: number | null;
  values: (number | null)[];
  change_points: TrendChangePoint[];
}

export interface TrendView {
  model: ModelKey;
  runs: TrendRun[];
  series: TrendSeries[];
}

function targetOf(rec: RunRecord | null, p: string): number | null {
  const g = rec?.gates.find((x) => x.metric === p && typeof x.value === 'number');
  return typeof g?.value === 'number' ? g.value : null;
}

export function trendView(model: ModelKey, history: readonly HistoryRun[]): TrendView {
  const latest = [...history].reverse().find((r) => r.record !== null)?.record ?? null;
  const gated = new Set(latest ? gatedPaths(latest.gates).keys() : []);
  const scalars = history.map((r) => (r.record ? scalarMetrics(r.record) : null));
  const series: TrendSeries[] = [];
  for (const p of metricPathsOf(history)) {
    const values = scalars.map((m) => m?.get(p) ?? null);
    const present = values.flatMap((v, i) => (v === null ? [] : [{ v, i }]));
    if (present.length === 0) continue;
    // Change points are found on the runs with a value; their indexes are mapped back to run positions.
    const cps = present.length < 2 ? [] : eDivisive(present.map((x) => x.v));
    series.push({
      path: p,
      gated: gated.has(p),
      target: targetOf(latest, p),
      values,
      change_points: cps.map((c) => {
        const index = present[c.index]!.i;
        return {
          index,
          run_id: history[index]!.entry.run_id,
          mean_before: c.meanBefore,
          mean_after: c.meanAfter,
          relative_change: c.relativeChange,
          p_value: c.pValue,
        };
      }),
    });
  }
  // Gated first (in the gates' order), then the rest as first seen.
  const order = [...gated];
  series.sort((a, b) => rank(order, a.path) - rank(order, b.path));
  return {
    model,
    runs: history.map((r) => ({
      run_id: r.entry.run_id,
      status: r.entry.status,
      timestamp_utc: r.entry.timestamp_utc,
    })),
    series,
  };
}

function rank(order: readonly string[], p: string): number {
  const i = order.indexOf(p);
  return i < 0 ? order.length : i;
}
