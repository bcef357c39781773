import { fmt, h } from './dom.js';

/**
 * Per-frame curves under the players (measured by the server from the kept videos: /frames), one small
 * chart per metric with the candidate's line and the baseline's, and a cursor on the frame shown that
 * follows playback, seeks and frame steps. Built with SVG elements; values are numbers only.
 */
const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 90;
const PAD = 6;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export class Curves {
  constructor(data) {
    this.frames = data.frames;
    this.charts = [];
    this.el = h(
      'section',
      { id: 'curves', className: 'curves', dataset: { frame: '0' } },
      h('h2', {}, 'Per frame'),
    );
    const charts = data.series.map((s) => ({
      name: s.name,
      lines: [
        ['candidate', s.candidate],
        ['baseline', s.baseline],
      ],
    }));
    if (data.psnr) charts.push({ name: 'psnr_vs_baseline (dB)', lines: [['candidate', data.psnr]] });
    for (const c of charts)
      this.chart(
        c.name,
        c.lines.filter(([, v]) => v !== null),
      );
  }

  x(i) {
    const n = Math.max(1, this.frames - 1);
    return PAD + (i * (W - 2 * PAD)) / n;
  }

  chart(name, lines) {
    const values = lines.flatMap(([, v]) => v).filter((v) => typeof v === 'number');
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const y = (v) => (hi === lo ? H / 2 : H - PAD - ((v - lo) * (H - 2 * PAD)) / (hi - lo));
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'curve', 'data-name': name, role: 'img' });
    root.append(svg('rect', { x: 0, y: 0, width: W, height: H, class: 'curve-bg' }));
    for (const [who, v] of lines) {
      const pts = v.map((p, i) =>
        typeof p === 'number' ? `${this.x(i).toFixed(1)},${y(p).toFixed(1)}` : null,
      );
      root.append(svg('polyline', { points: pts.filter((p) => p !== null).join(' '), class: `line ${who}` }));
    }
    const cursor = svg('line', { x1: PAD, x2: PAD, y1: 0, y2: H, class: 'cursor' });
    root.append(cursor);
    const readout = h('span', { className: 'readout' });
    this.charts.push({ cursor, readout, lines });
    this.el.append(
      h(
        'figure',
        { className: 'curve-fig' },
        h(
          'figcaption',
          {},
          name,
          ' ',
          h('span', { className: 'muted small' }, `${fmt(lo)} – ${fmt(hi)}`),
          ' ',
          readout,
        ),
        root,
      ),
    );
  }

  /** Moves every cursor to `frame` (0-based) and shows the values there. */
  at(frame) {
    const f = Math.min(Math.max(0, frame), Math.max(0, this.frames - 1));
    this.el.dataset.frame = String(f);
    const x = this.x(f).toFixed(1);
    for (const c of this.charts) {
      c.cursor.setAttribute('x1', x);
      c.cursor.setAttribute('x2', x);
      c.readout.textContent = c.lines.map(([who, v]) => `${who} ${fmt(v[f] ?? null)}`).join(' · ');
    }
  }
}
