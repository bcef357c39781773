import type { RankedSample, SampleDelta } from '../gates/ranking.js';
import type { SampleRecord } from '../schema/run.js';
import { esc, fmt, table } from './html.js';

/**
 * report.html's answer to "which prompt and seed?" before anything else: the few samples most worth a
 * look right under the verdict, and a table of every sample (the cards below show only the worst few).
 * Both follow THE ranking (src/gates/ranking.ts), as the cards, retention and the viewer do.
 */

/** How many samples are named under the verdict. */
const LOOK_FIRST = 3;

type Ranked = RankedSample<SampleRecord>;

/** The gated path that got worst for the sample (by relative change), if any got worse. */
function worstDelta(r: Ranked): SampleDelta | null {
  let worst: SampleDelta | null = null;
  for (const d of r.deltas) {
    if (d.relative === null || d.relative >= 0) continue;
    if (worst === null || d.relative < worst.relative!) worst = d;
  }
  return worst;
}

const cardLink = (r: Ranked, text: string, cards: ReadonlySet<string>) =>
  cards.has(r.sample.sample_id) ? `<a href="#sample-${esc(r.sample.sample_id)}">${text}</a>` : text;

/** Why the sample is listed: the gates it fails, else the gated metric that dropped most. */
function why(r: Ranked): string {
  const d = worstDelta(r);
  const drop = d ? `${esc(d.path)} ${esc(fmt(d.baseline))} → ${esc(fmt(d.current))}` : '';
  if (r.failing.length) return `fails ${r.failing.map(esc).join('; ')}${drop ? ` · ${drop}` : ''}`;
  return drop;
}

/** The samples to look at first, under the verdict: prompt, seed, which gate, the drop. Empty when none is. */
export function lookFirst(ranked: readonly Ranked[], cards: ReadonlySet<string>): string {
  const items = ranked
    .filter((r) => r.failing.length > 0 || r.worstDrop > 0)
    .slice(0, LOOK_FIRST)
    .map(
      (r) =>
        `<li>${cardLink(r, `<span class="prompt">${esc(r.sample.prompt)}</span>`, cards)} · <span class="seed">seed ${esc(r.sample.seed)}</span> · <span class="muted">${why(r)}</span></li>`,
    );
  if (!items.length) return '';
  return `<section id="look-first" aria-labelledby="h-look"><h2 id="h-look">Look first</h2><ol>${items.join('')}</ol></section>`;
}

function deltaText(d: SampleDelta | undefined): string {
  if (d?.delta === null || d?.delta === undefined) return '–';
  return `${d.delta > 0 ? '+' : ''}${fmt(d.delta)}`;
}

/**
 * Every sample of the run, in ranking order (failed generations last): status, prompt, seed, test, each
 * gated metric and, with a baseline, its change. A static table: the viewer sorts and filters it.
 */
export function samplesTable(
  samples: readonly SampleRecord[],
  ranked: readonly Ranked[],
  gated: readonly string[],
  hasBaseline: boolean,
  cards: ReadonlySet<string>,
): string {
  const byId = new Map(ranked.map((r) => [r.sample.sample_id, r]));
  const order = [...ranked.map((r) => r.sample), ...samples.filter((s) => !byId.has(s.sample_id))];
  const headers = [
    '#',
    'status',
    'prompt',
    'seed',
    'test',
    ...gated.flatMap((p) => (hasBaseline ? [p, `Δ ${p}`] : [p])),
  ];
  const rows = order.map((s, i) => {
    const r = byId.get(s.sample_id);
    const status = s.error ? 'ERROR' : r && r.failing.length > 0 ? 'FAIL' : 'PASS';
    const cells = gated.flatMap((p) => {
      const d = r?.deltas.find((x) => x.path === p);
      const value = `<span class="num">${esc(fmt(d?.current ?? null))}</span>`;
      return hasBaseline ? [value, `<span class="num">${esc(deltaText(d))}</span>`] : [value];
    });
    const prompt = r ? cardLink(r, esc(s.prompt), cards) : esc(s.prompt);
    return [String(i + 1), esc(status), prompt, esc(s.seed), esc(s.test_id), ...cells];
  });
  return `<section aria-labelledby="h-samples"><h2 id="h-samples">All samples (${samples.length})</h2><p class="muted">Ranked as the cards below: samples failing a gate on their own values first, then the largest drop against the baseline; samples that failed to generate last.</p><div id="all-samples">${table(headers, rows)}</div></section>`;
}
