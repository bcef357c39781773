import { api } from './api.js';
import { badge, fmt, fmtDelta, h, mount, route } from './dom.js';
import { setCrumbs } from './home.js';
import { sprtSection } from './sprt.js';

/**
 * A run: the verdict, then the worst samples (prompt, seed, gate, delta) right under it, so the regressed
 * prompt + seed is on screen without scrolling; then every sample in a table sorted by clicking a column
 * and narrowed by a filter; then the gates and regressions.
 */
export async function runPage(view, project, suite, model, runId, vs = null) {
  const [run, history] = await Promise.all([
    api.run(project, suite, model, runId, vs),
    api.runs(project, suite, model),
  ]);
  document.title = vs
    ? `${vs} → ${runId} · ${model} · TemporalCI`
    : `${run.status} ${model} ${runId} · TemporalCI`;
  setCrumbs(
    [`${project} / ${suite}`, '#/'],
    [model, route('trend', project, suite, model)],
    ...(vs
      ? [
          [vs, route('run', project, suite, model, vs)],
          ['→', null],
        ]
      : []),
    [runId, vs ? route('run', project, suite, model, runId) : null],
  );
  const link = (id) =>
    vs
      ? route('pair', project, suite, model, vs, runId, id)
      : route('sample', project, suite, model, runId, id);
  mount(
    view,
    verdict(run),
    comparePicker(run, history.runs, vs),
    worstSection(run, link),
    samplesSection(run, link),
    gatesSection(run),
    regressionsSection(run),
    sprtSection(run),
    problemsSection(run),
  );
}

/** "Compare with…": any other run of the model; picking one opens the compare page (this run against it). */
function comparePicker(run, runs, vs) {
  const { project, suite, model, runId } = run.key;
  const others = runs.filter((e) => e.run_id !== runId).reverse();
  if (others.length === 0) return null;
  const select = h(
    'select',
    {
      id: 'compare-with',
      ariaLabel: 'compare with another run',
      onchange: (e) => {
        const a = e.target.value;
        location.hash = a
          ? route('compare', project, suite, model, a, runId)
          : route('run', project, suite, model, runId);
      },
    },
    h('option', { value: '' }, vs ? 'its own baseline' : 'compare with…'),
    ...others.map((e) =>
      h(
        'option',
        { value: e.run_id, selected: e.run_id === vs },
        `${e.run_id} ${e.status}${e.run_id === run.baseline.run_id && !vs ? ' (baseline)' : ''}`,
      ),
    ),
  );
  return h(
    'p',
    { className: 'compare-picker' },
    h('label', {}, vs ? 'compared with ' : 'Δ against ', select),
  );
}

function verdict(run) {
  const c = run.counts;
  const base = run.baseline.run_id
    ? h(
        'span',
        {},
        run.baseline.mode === 'compare' ? 'compared with ' : 'baseline ',
        h(
          'a',
          { href: route('run', run.key.project, run.key.suite, run.key.model, run.baseline.run_id) },
          run.baseline.run_id,
        ),
        run.baseline.found ? '' : ' (not readable)',
      )
    : h('span', { className: 'muted' }, 'no baseline');
  const failed = run.gates.filter((g) => !g.passed).length;
  return h(
    'section',
    { id: 'verdict', className: `verdict status-${run.status}` },
    h(
      'h1',
      {},
      badge(run.status),
      ' ',
      run.key.model,
      ' ',
      h('span', { className: 'muted small' }, run.key.runId),
    ),
    h(
      'p',
      { className: 'facts' },
      `${failed}/${run.gates.length} gates failed · ${c.measured}/${c.planned} samples measured${c.failed ? `, ${c.failed} failed` : ''} · `,
      base,
      ` · ${run.timestamp_utc.slice(0, 19).replace('T', ' ')} UTC`,
      run.tag ? ` · tag ${run.tag}` : '',
    ),
    run.note ? h('p', { className: 'note' }, run.note) : null,
  );
}

function worstSection(run, link) {
  if (run.worst.length === 0) {
    return h(
      'section',
      { id: 'worst' },
      h('p', { className: 'muted' }, 'No sample fails a gate or got worse than its baseline.'),
    );
  }
  return h(
    'section',
    { id: 'worst' },
    h('h2', {}, 'Worst samples'),
    h(
      'ol',
      { className: 'worst' },
      ...run.worst.map((w) =>
        h(
          'li',
          { className: 'worst-item', dataset: { sample: w.sample_id } },
          h('a', { href: link(w.sample_id), className: 'prompt' }, w.prompt),
          h(
            'span',
            { className: 'meta' },
            h('span', { className: 'seed' }, `seed ${w.seed}`),
            h('span', {}, `test ${w.test_id}`),
            w.gate ? h('span', { className: 'gate' }, `fails ${w.gate}`) : null,
            w.path
              ? h(
                  'span',
                  { className: w.relative !== null && w.relative < 0 ? 'worse' : '' },
                  `${w.path} ${fmt(w.current)} (Δ ${fmtDelta(w.delta)})`,
                )
              : null,
          ),
        ),
      ),
    ),
  );
}

/** The table's columns: fixed ones, then each metric path's value and, for gated paths, its delta. */
function columnsOf(run) {
  const cols = [
    { key: 'rank', label: '#', get: (s) => s.rank, num: true },
    { key: 'status', label: 'status', get: (s) => s.status },
    { key: 'prompt', label: 'prompt', get: (s) => s.prompt },
    { key: 'seed', label: 'seed', get: (s) => s.seed, num: true },
    { key: 'test', label: 'test', get: (s) => s.test_id },
  ];
  for (const p of run.columns) {
    cols.push({ key: `v:${p}`, label: p, get: (s) => s.values[p], num: true, metric: true });
    if (run.baseline.found)
      cols.push({ key: `d:${p}`, label: `Δ ${p}`, get: (s) => s.deltas[p], num: true, delta: true });
  }
  return cols;
}

/** Values in the column's order; missing values (null, undefined) always sort last. */
function compare(a, b, dir) {
  const ma = a === null || a === undefined;
  const mb = b === null || b === undefined;
  if (ma || mb) return Number(ma) - Number(mb);
  return dir * (typeof a === 'number' ? a - b : String(a).localeCompare(String(b)));
}

function samplesSection(run, link) {
  const cols = columnsOf(run);
  const state = { key: 'rank', dir: 1, filter: '' };
  const tbody = h('tbody');
  const count = h('span', { className: 'muted', id: 'sample-count' });
  const headers = cols.map((c) =>
    h(
      'th',
      {
        className: c.num ? 'num sortable' : 'sortable',
        dataset: { key: c.key },
        title: `sort by ${c.label}`,
        onclick: () => sortBy(c.key),
      },
      c.label,
    ),
  );
  const sortBy = (key) => {
    state.dir = state.key === key ? -state.dir : 1;
    state.key = key;
    draw();
  };
  const draw = () => {
    const col = cols.find((c) => c.key === state.key);
    const q = state.filter.trim().toLowerCase();
    const rows = run.samples
      .filter(
        (s) =>
          q === '' ||
          [s.prompt, String(s.seed), s.test_id, s.status, s.sample_id].some((t) =>
            t.toLowerCase().includes(q),
          ),
      )
      .sort((a, b) => compare(col.get(a), col.get(b), state.dir));
    tbody.replaceChildren(...rows.map((s) => sampleRow(s, cols, link)));
    for (const th of headers)
      th.ariaSort = th.dataset.key === state.key ? (state.dir > 0 ? 'ascending' : 'descending') : 'none';
    count.textContent = `${rows.length} of ${run.samples.length}`;
  };
  const filter = h('input', {
    type: 'search',
    id: 'sample-filter',
    placeholder: 'filter by prompt, seed, test, status',
    ariaLabel: 'filter samples',
    oninput: (e) => {
      state.filter = e.target.value;
      draw();
    },
  });
  draw();
  return h(
    'section',
    { id: 'samples' },
    h('h2', {}, 'All samples ', count),
    filter,
    h(
      'div',
      { className: 'scroll' },
      h('table', { className: 'samples' }, h('thead', {}, h('tr', {}, ...headers)), tbody),
    ),
  );
}

function sampleRow(s, cols, link) {
  return h(
    'tr',
    { className: `sample status-${s.status}`, dataset: { sample: s.sample_id } },
    ...cols.map((c) => {
      const v = c.get(s);
      if (c.key === 'status') return h('td', {}, badge(v));
      if (c.key === 'prompt') return h('td', { className: 'prompt' }, h('a', { href: link(s.sample_id) }, v));
      if (c.key === 'rank') return h('td', { className: 'num' }, v === null ? '–' : String(v + 1));
      const cell = h('td', { className: c.num ? 'num' : '' }, c.delta ? fmtDelta(v) : c.num ? fmt(v) : v);
      if (c.num && v !== null && v !== undefined) cell.dataset.value = String(v);
      if (c.delta && typeof v === 'number' && v !== 0) cell.classList.add(v < 0 ? 'neg' : 'pos');
      return cell;
    }),
  );
}

function gatesSection(run) {
  return h(
    'section',
    { id: 'gates' },
    h('h2', {}, 'Gates'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, ''),
          h('th', {}, 'metric'),
          h('th', {}, 'target'),
          h('th', { className: 'num' }, 'actual'),
          h('th', {}, 'reason'),
        ),
      ),
      h(
        'tbody',
        {},
        ...run.gates.map((g) =>
          h(
            'tr',
            { className: g.passed ? 'pass' : 'fail' },
            h('td', {}, badge(g.passed ? 'PASS' : 'FAIL')),
            h('td', {}, g.metric),
            h('td', {}, g.target),
            h('td', { className: 'num' }, fmt(g.actual)),
            h('td', {}, g.reason, g.warning ? h('div', { className: 'warn' }, g.warning) : null),
          ),
        ),
      ),
    ),
  );
}

function regressionsSection(run) {
  if (run.regressions.length === 0) return null;
  return h(
    'section',
    { id: 'regressions' },
    h('h2', {}, 'Regressions vs baseline'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, ''),
          h('th', {}, 'metric'),
          h('th', { className: 'num' }, 'baseline'),
          h('th', { className: 'num' }, 'current'),
          h('th', { className: 'num' }, 'Δ'),
          h('th', { className: 'num' }, 'p'),
        ),
      ),
      h(
        'tbody',
        {},
        ...run.regressions.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, badge(r.regressed ? 'FAIL' : 'PASS')),
            h('td', {}, r.metric),
            h('td', { className: 'num' }, fmt(r.baseline)),
            h('td', { className: 'num' }, fmt(r.current)),
            h('td', { className: 'num' }, fmtDelta(r.delta)),
            h('td', { className: 'num' }, fmt(r.test?.p_value ?? null)),
          ),
        ),
      ),
    ),
  );
}

function problemsSection(run) {
  const errored = run.samples.filter((s) => s.error);
  if (run.errors.length === 0 && run.warnings.length === 0 && errored.length === 0) return null;
  return h(
    'section',
    { id: 'problems' },
    h('h2', {}, 'Errors and warnings'),
    h(
      'ul',
      {},
      ...run.errors.map((e) => h('li', { className: 'fail' }, e)),
      ...run.warnings.map((w) => h('li', { className: 'warn' }, w)),
    ),
    ...errored.map((s) =>
      h(
        'details',
        {},
        h(
          'summary',
          {},
          `${s.sample_id} (${s.prompt}, seed ${s.seed}): ${s.error.stage} ${s.error.code}: ${s.error.message}`,
        ),
        s.error.log_tail ? h('pre', {}, s.error.log_tail) : null,
      ),
    ),
  );
}
