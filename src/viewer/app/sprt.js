import { fmt, h } from './dom.js';

/**
 * The SPRT trace of each sequential gate: the log-likelihood ratio after every wave, with the upper
 * (accept "no regression") and lower (accept "regression") boundaries; the run stops at the first wave
 * whose LLR leaves the band.
 */
const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 160;
const PAD = 14;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export function sprtSection(run) {
  if (!run.sprt || run.sprt.length === 0) return null;
  return h('section', { id: 'sprt' }, h('h2', {}, 'SPRT trace'), ...run.sprt.map(trace));
}

function caption(t) {
  return h(
    'figcaption',
    {},
    `${t.metric}: ${t.decision}`,
    h(
      'span',
      { className: 'muted small' },
      t.looks.length
        ? ` · LLR ${fmt(t.llr)} · bounds ${fmt(t.lower)} / ${fmt(t.upper)} · ${t.pairsUsed ?? '?'} of ${t.pairsPlanned ?? '?'} pairs`
        : '',
    ),
  );
}

function trace(t) {
  // No wave tested (a bootstrap run without a baseline): there is no LLR to draw, only why.
  if (t.looks.length === 0) {
    return h(
      'figure',
      { className: 'sprt-fig' },
      caption(t),
      h(
        'p',
        { className: 'muted sprt-untested' },
        t.decision === 'baseline_missing'
          ? `No baseline to pair with${t.reason ? ` (${t.reason})` : ''}: no wave was tested.`
          : 'No wave was recorded.',
      ),
    );
  }
  const ys = [0, ...t.looks.map((l) => l.llr), t.upper, t.lower].filter((v) => typeof v === 'number');
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const maxN = Math.max(1, ...t.looks.map((l) => l.n), t.pairsPlanned ?? 0);
  const x = (n) => PAD + (n * (W - 2 * PAD)) / maxN;
  const y = (v) => (hi === lo ? H / 2 : H - PAD - ((v - lo) * (H - 2 * PAD)) / (hi - lo));
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'sprt-chart',
    'data-metric': t.metric,
    role: 'img',
  });
  root.append(svg('rect', { x: 0, y: 0, width: W, height: H, class: 'curve-bg' }));
  root.append(svg('line', { x1: 0, x2: W, y1: y(0), y2: y(0), class: 'zero' }));
  // Each boundary is named where it is drawn: above the upper line, below the lower one.
  for (const [cls, v, name, dy] of [
    ['upper', t.upper, 'no regression', -4],
    ['lower', t.lower, 'regression', 12],
  ]) {
    if (typeof v !== 'number') continue;
    root.append(svg('line', { x1: 0, x2: W, y1: y(v), y2: y(v), class: `bound ${cls}` }));
    const label = svg('text', { x: W - 4, y: y(v) + dy, 'text-anchor': 'end', class: `bound-label ${cls}` });
    label.textContent = `${name} ${cls === 'upper' ? '≥' : '≤'} ${fmt(v)}`;
    root.append(label);
  }
  const pts = [`${x(0)},${y(0)}`, ...t.looks.map((l) => `${x(l.n).toFixed(1)},${y(l.llr).toFixed(1)}`)];
  root.append(svg('polyline', { points: pts.join(' '), class: 'line candidate' }));
  for (const l of t.looks) {
    const dot = svg('circle', { cx: x(l.n), cy: y(l.llr), r: 3.5, class: 'wave', 'data-wave': l.wave });
    const title = svg('title');
    title.textContent = `wave ${l.wave}: ${l.n} pairs, LLR ${fmt(l.llr)}`;
    dot.append(title);
    root.append(dot);
  }
  return h(
    'figure',
    { className: 'sprt-fig' },
    caption(t),
    root,
    h(
      'table',
      { className: 'sprt-waves' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'wave'),
          h('th', { className: 'num' }, 'pairs'),
          h('th', { className: 'num' }, 'LLR'),
        ),
      ),
      h(
        'tbody',
        {},
        ...t.looks.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, String(l.wave)),
            h('td', { className: 'num' }, String(l.n)),
            h('td', { className: 'num' }, fmt(l.llr)),
          ),
        ),
      ),
    ),
  );
}
