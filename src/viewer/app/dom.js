/**
 * The one way the viewer builds DOM. Text from runs (prompts, ids, messages) is hostile input: it only ever
 * becomes a text node (`textContent`), never markup, and attribute values are set as properties.
 */

/** `h('a', { href: '#/' , className: 'x' }, 'text', child)`. Strings and numbers become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && k !== 'list') el[k] = v;
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces everything in `el` with `children`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A hash route from its segments, each escaped: `#/run/p/s/m/<id>`. */
export function route(...segments) {
  return `#/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}

export function badge(status) {
  const s = String(status);
  return h('span', { className: `badge status-${/^[A-Z]+$/.test(s) ? s : 'OTHER'}` }, s);
}

/** Four significant digits, or "–" for a missing value. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

export function fmtDelta(v) {
  if (v === null || v === undefined) return '–';
  return `${v > 0 ? '+' : ''}${fmt(v)}`;
}

/** The error panel of a page whose data could not be read: what, and how to fix it. */
export function errorPanel(e) {
  return h(
    'section',
    { className: 'error-panel', role: 'alert' },
    h('h1', {}, e.status === 404 ? 'Not found' : e.status === 422 ? 'Unreadable run' : 'Error'),
    h('p', {}, h('code', {}, e.code ?? 'ERROR'), ' ', e.message ?? String(e)),
    e.hint ? h('p', { className: 'muted' }, `hint: ${e.hint}`) : null,
    h('p', {}, h('a', { href: '#/' }, '← all suites')),
  );
}
