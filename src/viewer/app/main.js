import { errorPanel, h, mount } from './dom.js';
import { homePage } from './home.js';
import { runPage } from './run.js';
import { samplePage } from './sample.js';
import { matrixPage, trendPage } from './trend.js';

/**
 * Hash routes, so every page has a URL to share and the server needs no route per page:
 *   #/                                          suites → models
 *   #/run/<project>/<suite>/<model>/<run>        a run
 *   #/sample/<project>/<suite>/<model>/<run>/<id> one sample, baseline beside it
 *   #/compare/<project>/<suite>/<model>/<A>/<B>  run B measured against run A (any two runs of a model)
 *   #/pair/<project>/<suite>/<model>/<A>/<B>/<id> one sample of run B beside the same sample of run A
 *   #/trend/<project>/<suite>/<model>             a model's metrics over its runs
 *   #/matrix/<project>/<suite>                    models × gated metrics of a suite
 */
const PAGES = {
  '': [0, homePage],
  run: [4, runPage],
  sample: [5, samplePage],
  compare: [5, (view, p, s, m, a, b) => runPage(view, p, s, m, b, a)],
  trend: [3, trendPage],
  matrix: [2, matrixPage],
  pair: [6, (view, p, s, m, a, b, id) => samplePage(view, p, s, m, b, id, a)],
};

let cleanup = null;
/** Bumped on every navigation: a page still loading when the hash changes must not draw over the next. */
let current = 0;

async function render() {
  const token = ++current;
  const view = document.getElementById('view');
  cleanup?.();
  cleanup = null;
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const [name = '', ...rest] = parts;
  let args;
  try {
    args = rest.map((p) => decodeURIComponent(p));
  } catch {
    args = null;
  }
  const page = PAGES[name];
  if (!page || args === null || (page[0] > 0 && args.length !== page[0])) {
    mount(view, errorPanel({ status: 404, code: 'NOT_FOUND', message: 'no such page', hint: null }));
    return;
  }
  mount(view, h('p', { className: 'muted' }, 'Loading…'));
  // Each page draws into its own element, attached only if it is still the page asked for.
  const target = document.createElement('div');
  try {
    const done = (await page[1](target, ...args)) ?? null;
    if (token !== current) return done?.();
    cleanup = done;
  } catch (e) {
    if (token !== current) return;
    mount(target, errorPanel(e));
  }
  mount(view, target);
}

window.addEventListener('hashchange', render);
render();
