import { gatedPaths } from '../gates/ranking.js';
import { scalarMetrics } from './analysis.js';
import { type ChangePoint, eDivisive } from './changepoint.js';
import { type HistoryRun, metricPathsOf } from './history.js';
import { esc, fmt, fmtPct, page, pill, statusTone, table } from './html.js';
import { lineChart, statusStrip } from './svg.js';

interface TrendSeries {
  path: string;
  values: (number | null)[];
  changePoints: ChangePoint[];
}

/**
 * Every scalar metric with at least two values across the runs, with its change points; the metrics the
 * latest run gates come first (what a reader opens the page for), the others after them. Change points
 * are computed on the runs that have a value; their indexes are mapped back to run positions.
 */
function trendSeries(runs: readonly HistoryRun[], maxCharts = 40): TrendSeries[] {
  const out: TrendSeries[] = [];
  const latest = [...runs].reverse().find((r) => r.record !== null)?.record;
  const gated = [...gatedPaths(latest?.gates ?? []).keys()];
  const paths = metricPathsOf(runs);
  const ordered = [...gated.filter((p) => paths.includes(p)), ...paths.filter((p) => !gated.includes(p))];
  for (const p of ordered.slice(0, maxCharts)) {
    const values = runs.map((r) => (r.record ? (scalarMetrics(r.record).get(p) ?? null) : null));
    const present = values.flatMap((v, i) => (v === null ? [] : [{ v, i }]));
    if (present.length < 2) continue;
    const cps = eDivisive(present.map((x) => x.v)).map((c) => ({ ...c, index: present[c.index]!.i }));
    out.push({ path: p, values, changePoints: cps });
  }
  return out;
}

export function trendHtml(title: string, runs: readonly HistoryRun[]): string {
  const series = trendSeries(runs);
  const first = runs[0]?.entry.timestamp_utc ?? '';
  const last = runs[runs.length - 1]?.entry.timestamp_utc ?? '';
  const strip = statusStrip(
    'Pass/fail history, oldest first',
    runs.map((r) => ({ label: r.entry.run_id, status: r.entry.status })),
  );
  const targetOf = (p: string): number | undefined => {
    const g = runs[runs.length - 1]?.record?.gates.find((x) => x.metric === p && typeof x.value === 'number');
    return typeof g?.value === 'number' ? g.value : undefined;
  };
  const charts = series.map((s) =>
    lineChart(
      s.path,
      s.values.map((v, i) => ({
        label: runs[i]!.entry.run_id,
        value: v,
        passed: runs[i]!.entry.status === 'PASS',
      })),
      { changePoints: s.changePoints.map((c) => c.index), target: targetOf(s.path) },
    ),
  );
  const cpRows = series.flatMap((s) =>
    s.changePoints.map((c) => [
      esc(s.path),
      esc(runs[c.index]?.entry.run_id ?? ''),
      esc(fmt(c.meanBefore)),
      esc(fmt(c.meanAfter)),
      esc(fmtPct(c.relativeChange)),
      esc(c.pValue.toFixed(3)),
    ]),
  );
  const runRows = [...runs].reverse().map((r) => [
    // trend.html sits in the model folder, beside each run's folder and its report.html.
    `<a href="${esc(encodeURIComponent(r.entry.run_id))}/report.html">${esc(r.entry.run_id)}</a>`,
    esc(r.entry.timestamp_utc),
    pill(r.entry.status, statusTone(r.entry.status)),
    `${r.entry.samples_measured}/${r.entry.samples_planned}`,
    r.entry.gate_failed ? 'yes' : 'no',
    r.entry.regression_failed ? 'yes' : 'no',
    esc(r.record?.baseline.run_id ?? '—'),
    esc(r.record?.note ?? ''),
  ]);
  const passes = runs.filter((r) => r.entry.status === 'PASS').length;
  const body = `<header><h1>${esc(title)}</h1>
<p id="summary">${runs.length} runs · ${passes} passed · ${runs.length - passes} did not pass · ${esc(first)} → ${esc(last)}</p></header>
<section aria-labelledby="h-strip"><h2 id="h-strip">Pass / fail history</h2>${strip}<p class="muted">✓ PASS · ✗ FAIL · ! ERROR, oldest on the left.</p></section>
<section aria-labelledby="h-metrics"><h2 id="h-metrics">Metric trends</h2>
<p class="muted">Points: ● run passed, ✗ run failed. Dashed purple lines mark change points found with E-divisive means (Matteson &amp; James 2014, as in Apache Otava): the split maximising the energy distance between the runs before and after, kept when a seeded permutation test gives p ≤ 0.05 and the mean moved by at least 0.5 %; repeated on each segment.</p>
<div class="charts">${charts.join('') || '<p>Fewer than two runs with metric values.</p>'}</div></section>
<section aria-labelledby="h-cp"><h2 id="h-cp">Change points</h2>${cpRows.length ? table(['metric', 'first run after the change', 'mean before', 'mean after', 'change', 'p'], cpRows) : '<p>No change point found.</p>'}</section>
<section aria-labelledby="h-runs"><h2 id="h-runs">Runs</h2>${table(['run', 'started (UTC)', 'status', 'measured', 'gate failed', 'regressed', 'baseline', 'note'], runRows)}</section>`;
  return page(title, body);
}
