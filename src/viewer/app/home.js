import { api } from './api.js';
import { badge, fmt, fmtDelta, h, mount, route } from './dom.js';

/** Suites → models: each model's latest status, a strip of its last runs, links to every run. */
export async function homePage(view) {
  const { suites } = await api.suites();
  document.title = 'TemporalCI viewer';
  setCrumbs();
  if (suites.length === 0) {
    mount(
      view,
      h('h1', {}, 'No runs yet'),
      h(
        'p',
        { className: 'muted' },
        'This artifacts folder holds no suite. Run `temporalci run <suite.yaml>` first.',
      ),
    );
    return;
  }
  mount(view, h('h1', {}, 'Suites'), ...suites.map(suiteSection));
}

function suiteSection(s) {
  return h(
    'section',
    { className: 'suite' },
    h(
      'h2',
      {},
      `${s.project} / ${s.suite} `,
      h(
        'a',
        { href: route('matrix', s.project, s.suite), className: 'small matrix-link' },
        'models × metrics',
      ),
    ),
    h(
      'table',
      { className: 'models' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'model'),
          h('th', {}, 'latest'),
          h('th', {}, 'gated metrics (Δ vs baseline)'),
          h('th', {}, 'last runs'),
          h('th', {}, 'runs (trend)'),
        ),
      ),
      h('tbody', {}, ...s.models.map((m) => modelRow(s, m))),
    ),
  );
}

function modelRow(s, m) {
  const link = (e) => route('run', s.project, s.suite, m.model, e.run_id);
  const latest = m.latest;
  return h(
    'tr',
    { className: 'model', dataset: { model: m.model } },
    h('td', {}, latest ? h('a', { href: link(latest) }, m.model) : m.model),
    h(
      'td',
      {},
      latest
        ? h(
            'a',
            { href: link(latest), className: 'latest' },
            badge(latest.status),
            ' ',
            latest.timestamp_utc.slice(0, 16).replace('T', ' '),
          )
        : h('span', { className: 'muted' }, 'no run'),
    ),
    h('td', { className: 'gated' }, ...m.gated.map(gatedChip)),
    h(
      'td',
      {},
      h(
        'div',
        { className: 'strip' },
        ...m.runs.map((e) =>
          h('a', {
            href: link(e),
            className: `tick status-${e.status}`,
            title: `${e.run_id} ${e.status} (${e.samples_measured}/${e.samples_planned} measured)`,
            ariaLabel: `${e.run_id} ${e.status}`,
          }),
        ),
      ),
    ),
    h(
      'td',
      { className: 'num' },
      h(
        'a',
        { href: route('trend', s.project, s.suite, m.model), className: 'trend-link', title: 'trend' },
        String(m.run_count),
      ),
    ),
  );
}

/** One gated metric of the latest run: its value, red when its gate failed, and the change vs baseline. */
function gatedChip(g) {
  return h(
    'span',
    { className: `chip ${g.passed ? 'pass' : 'fail'}`, dataset: { metric: g.metric } },
    `${g.metric} ${fmt(g.actual)}`,
    g.delta === null
      ? null
      : h('span', { className: `delta ${g.regressed ? 'neg' : ''}` }, ` (Δ ${fmtDelta(g.delta)})`),
  );
}

/** The breadcrumb trail in the header. */
export function setCrumbs(...items) {
  const el = document.getElementById('crumbs');
  el.replaceChildren();
  for (const [label, href] of items) {
    el.append(document.createTextNode(' / '));
    el.append(href ? h('a', { href }, label) : h('span', {}, label));
  }
}
