import { api } from './api.js';
import { badge, fmt, h, mount, route } from './dom.js';
import { setCrumbs } from './home.js';

/**
 * A model's trend: one chart per metric over its runs (oldest left). Only the gated metrics by default;
 * the others behind a toggle. Change points (E-divisive means, as trend.html) are dashed lines with the
 * shift printed under the chart; every point is a link to its run.
 */
const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 120;
const PAD = 10;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export async function trendPage(view, project, suite, model) {
  const t = await api.trend(project, suite, model);
  document.title = `trend ${model} · TemporalCI`;
  setCrumbs([`${project} / ${suite}`, route('matrix', project, suite)], [model, null], ['trend', null]);
  const runLink = (id) => route('run', project, suite, model, id);
  const gated = t.series.filter((s) => s.gated);
  const others = t.series.filter((s) => !s.gated);
  const othersBox = h(
    'div',
    { id: 'trend-others', hidden: true },
    ...others.map((s) => chart(s, t.runs, runLink)),
  );
  const toggle = others.length
    ? h(
        'label',
        { className: 'toggle' },
        h('input', {
          type: 'checkbox',
          id: 'show-ungated',
          onchange: (e) => {
            othersBox.hidden = !e.target.checked;
          },
        }),
        ` show the ${others.length} ungated metrics`,
      )
    : null;
  mount(
    view,
    h('h1', {}, `${model} — trend over ${t.runs.length} runs`),
    h(
      'p',
      { className: 'muted' },
      'Oldest on the left; each point opens its run. Dashed lines: change points (E-divisive means, p ≤ 0.05, ≥ 0.5 % shift).',
    ),
    h(
      'section',
      { id: 'trend-gated' },
      gated.length
        ? gated.map((s) => chart(s, t.runs, runLink))
        : h('p', { className: 'muted' }, 'No gated metric.'),
    ),
    toggle,
    othersBox,
  );
}

/**
 * Whether the target line shares the chart's scale: only when it lies within one span of the values
 * (a sanity floor far below them, e.g. >= 0.1 under values near 0.99, would flatten every change).
 */
function targetOnChart(present, target) {
  if (target === null || present.length === 0) return false;
  const lo = Math.min(...present);
  const hi = Math.max(...present);
  const reach = Math.max(hi - lo, Math.abs(hi) * 0.01, 1e-9);
  return target >= lo - reach && target <= hi + reach;
}

function chart(s, runs, runLink) {
  const present = s.values.filter((v) => typeof v === 'number');
  const onChart = targetOnChart(present, s.target);
  const all = onChart ? [...present, s.target] : present;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const n = Math.max(1, runs.length - 1);
  const x = (i) => PAD + (i * (W - 2 * PAD)) / n;
  const y = (v) => (hi === lo ? H / 2 : H - PAD - ((v - lo) * (H - 2 * PAD)) / (hi - lo));
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'trend-chart',
    'data-path': s.path,
    role: 'img',
  });
  root.append(svg('rect', { x: 0, y: 0, width: W, height: H, class: 'curve-bg' }));
  if (onChart) {
    root.append(svg('line', { x1: 0, x2: W, y1: y(s.target), y2: y(s.target), class: 'target' }));
  }
  const pts = s.values.flatMap((v, i) =>
    typeof v === 'number' ? [`${x(i).toFixed(1)},${y(v).toFixed(1)}`] : [],
  );
  root.append(svg('polyline', { points: pts.join(' '), class: 'line candidate' }));
  for (const cp of s.change_points) {
    // Between the last run before the change and the first after it.
    const cx = (x(cp.index - 1) + x(cp.index)) / 2;
    root.append(svg('line', { x1: cx, x2: cx, y1: 0, y2: H, class: 'changepoint', 'data-run': cp.run_id }));
  }
  s.values.forEach((v, i) => {
    if (typeof v !== 'number') return;
    const r = runs[i];
    const a = svg('a', { href: runLink(r.run_id), class: 'point', 'data-run': r.run_id });
    const dot = svg('circle', { cx: x(i), cy: y(v), r: 4, class: `dot status-${r.status}` });
    const title = svg('title');
    title.textContent = `${r.run_id} ${r.status}: ${fmt(v)}`;
    dot.append(title);
    a.append(dot);
    root.append(a);
  });
  return h(
    'figure',
    { className: 'trend-fig', dataset: { path: s.path } },
    h(
      'figcaption',
      {},
      s.path,
      s.gated
        ? h(
            'span',
            { className: 'muted small' },
            ` gated${s.target === null ? '' : `, target ${fmt(s.target)}`}${
              s.target === null || onChart ? '' : s.target < lo ? ' (below the chart)' : ' (above the chart)'
            }`,
          )
        : null,
    ),
    root,
    s.change_points.length
      ? h(
          'ul',
          { className: 'changepoints' },
          ...s.change_points.map((cp) =>
            h(
              'li',
              {},
              'change at ',
              h('a', { href: runLink(cp.run_id) }, cp.run_id),
              `: ${fmt(cp.mean_before)} → ${fmt(cp.mean_after)}`,
              cp.relative_change === null
                ? ''
                : ` (${cp.relative_change > 0 ? '+' : ''}${(cp.relative_change * 100).toFixed(1)} %)`,
              ` p = ${cp.p_value.toFixed(3)}`,
            ),
          ),
        )
      : null,
  );
}

/** The models × gated metrics of a suite (the latest run of each), as `temporalci summary` prints it. */
export async function matrixPage(view, project, suite) {
  const m = await api.matrix(project, suite);
  document.title = `${project} / ${suite} matrix · TemporalCI`;
  setCrumbs([`${project} / ${suite}`, null], ['models × metrics', null]);
  mount(
    view,
    h('h1', {}, `${project} / ${suite}: models × gated metrics`),
    h(
      'p',
      { className: 'muted' },
      "Each model's latest run; a cell is the value its gate compared, red when it failed.",
    ),
    h(
      'div',
      { className: 'scroll' },
      h(
        'table',
        { id: 'matrix', className: 'samples' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'model'),
            h('th', {}, 'status'),
            ...m.columns.map((c) => h('th', { className: 'num' }, c.label)),
          ),
        ),
        h(
          'tbody',
          {},
          ...m.rows.map((r) =>
            h(
              'tr',
              { dataset: { model: r.model } },
              h('td', {}, h('a', { href: route('trend', project, suite, r.model) }, r.model)),
              h(
                'td',
                {},
                r.run_id
                  ? h('a', { href: route('run', project, suite, r.model, r.run_id) }, badge(r.status))
                  : badge(r.status),
              ),
              ...r.cells.map((c) =>
                c === null
                  ? h('td', { className: 'num muted' }, r.record_read ? '–' : '?')
                  : h(
                      'td',
                      {
                        className: `num ${c.passed ? 'pass' : 'fail'}`,
                        dataset: { value: String(c.actual) },
                      },
                      fmt(c.actual),
                    ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
