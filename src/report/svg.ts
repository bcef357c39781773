import { esc, fmt } from './html.js';

/**
 * Inline SVG charts. Each has role="img", a <title> and an aria-label, and encodes meaning with shape and
 * text as well as colour (PASS points are circles, FAIL points are crosses; baseline dots are circles,
 * candidate dots squares), so a chart reads in greyscale and to a screen reader.
 */

const GOOD = '#1a7f37';
const BAD = '#cf222e';
const BASE = '#0969da';
const CAND = '#bc4c00';
const GRID = '#d1d9e0';

function open(w: number, h: number, title: string, cls: string): string {
  return `<svg class="${cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`;
}

function extent(values: readonly number[], pad = 0.08): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = finite.reduce((a, b) => Math.min(a, b)); // no spread: long series overflow the stack
  let hi = finite.reduce((a, b) => Math.max(a, b));
  if (lo === hi) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.01 : 1;
    lo -= d;
    hi += d;
  }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

function marker(x: number, y: number, passed: boolean): string {
  if (passed) return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${GOOD}"/>`;
  const s = 4.5;
  return `<path d="M${(x - s).toFixed(1)} ${(y - s).toFixed(1)}L${(x + s).toFixed(1)} ${(y + s).toFixed(1)}M${(x - s).toFixed(1)} ${(y + s).toFixed(1)}L${(x + s).toFixed(1)} ${(y - s).toFixed(1)}" stroke="${BAD}" stroke-width="2.5"/>`;
}

export interface TrendPoint {
  label: string;
  value: number | null;
  passed: boolean;
}

/** A metric across runs: a line, PASS/FAIL markers, change points as dashed verticals, an optional target. */
export function lineChart(
  title: string,
  points: readonly TrendPoint[],
  opts: { changePoints?: readonly number[]; target?: number } = {},
): string {
  const w = 560;
  const h = 220;
  const m = { l: 64, r: 16, t: 24, b: 30 };
  const ys = points.map((p) => p.value).filter((v): v is number => v !== null);
  const [lo, hi] = extent(opts.target === undefined ? ys : [...ys, opts.target]);
  const n = Math.max(points.length, 2);
  const x = (i: number) => m.l + ((w - m.l - m.r) * i) / (n - 1);
  const y = (v: number) => m.t + (h - m.t - m.b) * (1 - (v - lo) / (hi - lo));
  const parts = [open(w, h, title, 'chart line-chart')];
  parts.push(`<text x="${m.l}" y="14" font-weight="600">${esc(title)}</text>`);
  for (const v of [lo, (lo + hi) / 2, hi]) {
    parts.push(
      `<line x1="${m.l}" x2="${w - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${GRID}"/>`,
      `<text x="${m.l - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(v, 4))}</text>`,
    );
  }
  if (opts.target !== undefined) {
    const ty = y(opts.target).toFixed(1);
    parts.push(
      `<line x1="${m.l}" x2="${w - m.r}" y1="${ty}" y2="${ty}" stroke="#59636e" stroke-dasharray="2 3"/>`,
      `<text x="${w - m.r}" y="${(Number(ty) - 3).toFixed(1)}" text-anchor="end">target ${esc(fmt(opts.target))}</text>`,
    );
  }
  for (const cp of opts.changePoints ?? []) {
    const cx = ((x(cp - 1) + x(cp)) / 2).toFixed(1);
    parts.push(
      `<line class="change-point" x1="${cx}" x2="${cx}" y1="${m.t}" y2="${h - m.b}" stroke="#8250df" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${cx}" y="${m.t - 2}" text-anchor="middle" fill="#8250df">change</text>`,
    );
  }
  const segs: string[] = [];
  points.forEach((p, i) => {
    if (p.value !== null) segs.push(`${segs.length ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.value).toFixed(1)}`);
  });
  if (segs.length > 1)
    parts.push(`<path d="${segs.join('')}" fill="none" stroke="#59636e" stroke-width="1.5"/>`);
  points.forEach((p, i) => {
    if (p.value === null) return;
    parts.push(
      `<g>${marker(x(i), y(p.value), p.passed)}<title>${esc(p.label)}: ${esc(fmt(p.value))} (${p.passed ? 'PASS' : 'FAIL'})</title></g>`,
    );
  });
  parts.push(
    `<text x="${m.l}" y="${h - 8}">${esc(points[0]?.label ?? '')}</text>`,
    `<text x="${w - m.r}" y="${h - 8}" text-anchor="end">${esc(points[points.length - 1]?.label ?? '')}</text>`,
    '</svg>',
  );
  return parts.join('');
}

/** Runs as a row of squares: PASS filled green with ✓, FAIL red with ✗, ERROR amber with !. */
export function statusStrip(title: string, runs: readonly { label: string; status: string }[]): string {
  const size = 18;
  const gap = 3;
  const w = Math.max(60, runs.length * (size + gap) + 4);
  const h = size + 8;
  const parts = [open(w, h, title, 'chart status-strip')];
  runs.forEach((r, i) => {
    const colour = r.status === 'PASS' ? GOOD : r.status === 'FAIL' ? BAD : '#9a6700';
    const glyph = r.status === 'PASS' ? '✓' : r.status === 'FAIL' ? '✗' : '!';
    const x0 = 2 + i * (size + gap);
    parts.push(
      `<g><rect x="${x0}" y="4" width="${size}" height="${size}" rx="3" fill="${colour}"/><text x="${x0 + size / 2}" y="${4 + size - 5}" text-anchor="middle" style="fill:#fff;font-weight:700">${glyph}</text><title>${esc(r.label)}: ${esc(r.status)}</title></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  return sorted[i]! + (sorted[Math.min(i + 1, sorted.length - 1)]! - sorted[i]!) * f;
}

/**
 * Baseline vs candidate values of one metric over the samples: a box (quartiles, median) plus every
 * sample as a dot, on one shared axis. With a handful of samples the dots matter more than the box.
 */
export function distributionChart(
  title: string,
  baseline: readonly number[],
  candidate: readonly number[],
  target?: number,
): string {
  const w = 560;
  const h = 132;
  // Wide enough for "candidate (n=999)" right-aligned left of the axis: 84 px clipped it to "aseline (n=9)".
  const m = { l: 140, r: 16, t: 22, b: 24 };
  const all = [...baseline, ...candidate, ...(target === undefined ? [] : [target])];
  const [lo, hi] = extent(all, 0.05);
  const x = (v: number) => m.l + ((w - m.l - m.r) * (v - lo)) / (hi - lo);
  const parts = [open(w, h, title, 'chart distribution')];
  parts.push(`<text x="4" y="14" font-weight="600">${esc(title)}</text>`);
  const rows: [string, readonly number[], string, number][] = [
    ['baseline', baseline, BASE, m.t + 22],
    ['candidate', candidate, CAND, m.t + 62],
  ];
  for (const [label, values, colour, cy] of rows) {
    parts.push(`<text x="${m.l - 8}" y="${cy + 4}" text-anchor="end">${label} (n=${values.length})</text>`);
    if (values.length === 0) {
      parts.push(`<text x="${m.l}" y="${cy + 4}" class="muted">no values</text>`);
      continue;
    }
    const s = [...values].sort((a, b) => a - b);
    const [q1, med, q3] = [quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75)];
    parts.push(
      `<line x1="${x(s[0]!).toFixed(1)}" x2="${x(s[s.length - 1]!).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="${colour}"/>`,
      `<rect x="${x(q1).toFixed(1)}" y="${cy - 10}" width="${Math.max(1, x(q3) - x(q1)).toFixed(1)}" height="20" fill="${colour}" fill-opacity="0.15" stroke="${colour}"/>`,
      `<line x1="${x(med).toFixed(1)}" x2="${x(med).toFixed(1)}" y1="${cy - 10}" y2="${cy + 10}" stroke="${colour}" stroke-width="2.5"><title>median ${esc(fmt(med))}</title></line>`,
    );
    for (const v of values) {
      const cx = x(v).toFixed(1);
      parts.push(
        label === 'baseline'
          ? `<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`
          : `<rect x="${(Number(cx) - 3).toFixed(1)}" y="${cy - 3}" width="6" height="6" fill="${colour}"/>`,
      );
    }
  }
  if (target !== undefined) {
    const tx = x(target).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${m.t}" y2="${h - m.b}" stroke="#59636e" stroke-dasharray="3 3"/>`,
      `<text x="${tx}" y="${h - 12}" text-anchor="middle">target ${esc(fmt(target))}</text>`,
    );
  }
  parts.push(
    `<text x="${m.l}" y="${h - 2}">${esc(fmt(lo, 4))}</text><text x="${w - m.r}" y="${h - 2}" text-anchor="end">${esc(fmt(hi, 4))}</text>`,
    '</svg>',
  );
  return parts.join('');
}

export interface LlrPoint {
  /** Pairs used so far at this look. */
  n: number;
  llr: number;
  label: string;
}

/** The SPRT log-likelihood ratio at each look against its two boundaries. */
export function sprtChart(title: string, points: readonly LlrPoint[], upper: number, lower: number): string {
  const w = 560;
  const h = 230;
  const m = { l: 56, r: 120, t: 24, b: 30 };
  const [lo, hi] = extent([...points.map((p) => p.llr), upper, lower, 0]);
  const maxN = Math.max(1, ...points.map((p) => p.n));
  const x = (n: number) => m.l + ((w - m.l - m.r) * n) / maxN;
  const y = (v: number) => m.t + (h - m.t - m.b) * (1 - (v - lo) / (hi - lo));
  const parts = [open(w, h, title, 'chart sprt-chart')];
  parts.push(`<text x="${m.l}" y="14" font-weight="600">${esc(title)}</text>`);
  const bound = (v: number, text: string, colour: string, dash: string) =>
    `<line x1="${m.l}" x2="${w - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${dash}"/><text x="${w - m.r + 4}" y="${(y(v) + 4).toFixed(1)}">${esc(text)} ${esc(fmt(v, 3))}</text>`;
  parts.push(
    bound(upper, 'A: no regression', GOOD, '6 3'),
    bound(lower, 'B: regression', BAD, '2 3'),
    bound(0, 'LLR 0', GRID, ''),
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${h - m.b}" stroke="${GRID}"/>`,
  );
  const path = [
    `M${x(0).toFixed(1)} ${y(0).toFixed(1)}`,
    ...points.map((p) => `L${x(p.n).toFixed(1)} ${y(p.llr).toFixed(1)}`),
  ];
  parts.push(`<path d="${path.join('')}" fill="none" stroke="#1f2328" stroke-width="2"/>`);
  for (const p of points) {
    parts.push(
      `<g><circle cx="${x(p.n).toFixed(1)}" cy="${y(p.llr).toFixed(1)}" r="4" fill="#1f2328"/><title>${esc(p.label)}: n=${p.n}, LLR ${esc(fmt(p.llr, 4))}</title></g>`,
    );
  }
  parts.push(
    `<text x="${m.l}" y="${h - 8}">0 pairs</text><text x="${w - m.r}" y="${h - 8}" text-anchor="end">${maxN} pairs</text>`,
    `<text x="${m.l - 4}" y="${(y(hi) + 10).toFixed(1)}" text-anchor="end">LLR</text>`,
    '</svg>',
  );
  return parts.join('');
}
