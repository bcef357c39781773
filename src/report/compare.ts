import { evaluateRegression } from '../gates/evaluate.js';
import { type Direction, deltaOf, gatedPaths, type SampleDelta } from '../gates/ranking.js';
import { THRESHOLD_DEFAULTS } from '../gates/threshold-params.js';
import type { RegressionResult, RunRecord } from '../schema/run.js';
import { rankSamples, scalarMetrics } from './analysis.js';
import { esc, fmt, fmtPct, fmtSigned, page, pill, statusTone, table } from './html.js';
import { deltaCell } from './sample-cards.js';

/**
 * Candidate run B against baseline run A. Direction comes from the gates (>= means higher is better);
 * a metric present in only one run is listed as such and never compared. B regresses "beyond the gates"
 * when a gate that passed in A fails in B, or a directional gate's value got worse by more than both
 * tolerance floors (the same rule as a run's own regression check).
 */

interface MetricRow extends SampleDelta {
  onlyIn: 'A' | 'B' | null;
}

interface GateChange {
  metric: string;
  target: string;
  a: boolean | null;
  b: boolean | null;
}

export interface Comparison {
  a: RunRecord;
  b: RunRecord;
  metrics: MetricRow[];
  gates: GateChange[];
  regressions: RegressionResult[];
  regressed: boolean;
}

export function compareRecords(a: RunRecord, b: RunRecord): Comparison {
  const dirs = gatedPaths([...b.gates, ...a.gates]);
  const ma = scalarMetrics(a);
  const mb = scalarMetrics(b);
  const paths = [...new Set([...ma.keys(), ...mb.keys()])];
  const metrics = paths.map((p): MetricRow => {
    const onlyIn = !ma.has(p) ? 'B' : !mb.has(p) ? 'A' : null;
    return {
      ...deltaOf(p, dirs.get(p) as Direction | undefined, ma.get(p) ?? null, mb.get(p) ?? null),
      onlyIn,
    };
  });
  metrics.sort((x, y) => (x.relative ?? 0) - (y.relative ?? 0));
  const keyOf = (g: { metric: string; op: string; value: unknown }) =>
    `${g.metric} ${g.op} ${String(g.value)}`;
  const keys = [...new Set([...a.gates.map(keyOf), ...b.gates.map(keyOf)])];
  const gates = keys.map((k) => ({
    metric: k,
    target: k,
    a: a.gates.find((g) => keyOf(g) === k)?.passed ?? null,
    b: b.gates.find((g) => keyOf(g) === k)?.passed ?? null,
  }));
  const regressions = b.gates.flatMap((g) => {
    const recorded = b.regressions.find((r) => r.gate_index === g.index)?.tolerance ?? THRESHOLD_DEFAULTS;
    const r = evaluateRegression(
      {
        metric: g.metric,
        op: g.op,
        value: g.value,
        method: 'threshold',
        aggregate: g.aggregate,
        params: { ...recorded },
        window: 0,
      },
      g.index,
      b,
      a,
    );
    return r ? [r] : [];
  });
  const regressed = regressions.some((r) => r.regressed) || gates.some((g) => g.a === true && g.b === false);
  return { a, b, metrics, gates, regressions, regressed };
}

function gateWord(v: boolean | null): string {
  return v === null ? 'absent' : v ? 'PASS' : 'FAIL';
}

export function compareText(c: Comparison): string {
  const lines = [
    `compare ${c.a.run_id} (${c.a.status}) -> ${c.b.run_id} (${c.b.status})`,
    c.regressed
      ? 'verdict: REGRESSED (candidate is worse beyond the gates)'
      : 'verdict: OK (no regression beyond the gates)',
  ];
  for (const g of c.gates) {
    const change =
      g.a === g.b
        ? 'unchanged'
        : g.a === true && g.b === false
          ? 'NEWLY FAILING'
          : g.b === true && g.a === false
            ? 'fixed'
            : 'changed';
    lines.push(`  gate ${g.metric}: ${gateWord(g.a)} -> ${gateWord(g.b)} (${change})`);
  }
  for (const m of c.metrics) {
    if (m.onlyIn) {
      lines.push(
        `  ${m.path}: only in ${m.onlyIn === 'A' ? 'baseline' : 'candidate'} (${fmt(m.onlyIn === 'A' ? m.baseline : m.current)})`,
      );
      continue;
    }
    const word =
      m.improvement === null ? '' : m.improvement < 0 ? ' worse' : m.improvement > 0 ? ' better' : ' same';
    lines.push(
      `  ${m.path}: ${fmt(m.baseline)} -> ${fmt(m.current)} (${fmtSigned(m.delta)}, ${fmtPct(m.relative)})${word}`,
    );
  }
  return lines.join('\n');
}

export function compareHtml(c: Comparison): string {
  const title = `Compare ${c.a.run_id} → ${c.b.run_id}`;
  const gateRows = c.gates.map((g) => [
    esc(g.metric),
    g.a === null ? 'absent' : pill(gateWord(g.a), g.a ? 'good' : 'bad'),
    g.b === null ? 'absent' : pill(gateWord(g.b), g.b ? 'good' : 'bad'),
    g.a === true && g.b === false
      ? pill('newly failing', 'bad')
      : g.a === false && g.b === true
        ? pill('fixed', 'good')
        : 'unchanged',
  ]);
  const metricRows = c.metrics.map((m) => [
    esc(m.path),
    esc(m.direction?.replace(/_/g, ' ') ?? 'no gate'),
    esc(fmt(m.baseline)),
    esc(fmt(m.current)),
    m.onlyIn
      ? `<span class="same">only in ${m.onlyIn === 'A' ? 'baseline' : 'candidate'}</span>`
      : deltaCell(m),
  ]);
  const samples = rankSamples(c.b, c.a)
    .slice(0, 10)
    .map((r) => [
      esc(r.sample.prompt),
      esc(r.sample.seed),
      r.deltas.map((d) => `${esc(d.path)}: ${deltaCell(d)}`).join('<br>'),
    ]);
  const body = `<header><h1>${esc(title)}</h1>
<p class="verdict ${c.regressed ? 'bad' : 'good'}" id="verdict" role="status">Verdict: ${c.regressed ? 'REGRESSED' : 'OK'}</p>
<div class="meta"><div>Baseline (A): <b>${esc(c.a.run_id)}</b> ${pill(c.a.status, statusTone(c.a.status))}</div><div>Candidate (B): <b>${esc(c.b.run_id)}</b> ${pill(c.b.status, statusTone(c.b.status))}</div><div>Model: <b>${esc(c.b.project)} / ${esc(c.b.suite_name)} / ${esc(c.b.model_name)}</b></div></div></header>
<section aria-labelledby="h-g"><h2 id="h-g">Gate changes</h2>${table(['gate', 'A', 'B', 'change'], gateRows)}</section>
<section aria-labelledby="h-m"><h2 id="h-m">Metric deltas (worst first)</h2>${table(['metric', 'direction', 'A', 'B', 'delta'], metricRows)}</section>
<section aria-labelledby="h-s"><h2 id="h-s">Worst samples (same prompt and seed)</h2>${samples.length ? table(['prompt', 'seed', 'gated metrics'], samples) : '<p>No paired samples.</p>'}</section>`;
  return page(title, body);
}
