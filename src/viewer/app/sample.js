import { api } from './api.js';
import { Curves } from './curves.js';
import { DiffView } from './diff.js';
import { badge, fmt, fmtDelta, h, mount, route } from './dom.js';
import { setCrumbs } from './home.js';
import { WipeView } from './wipe.js';

/**
 * One sample: the baseline's video and this run's side by side, locked together. Play, pause, seek and
 * frame-step act on both; while playing, the baseline is pulled back to the candidate whenever they drift
 * apart by more than half a frame. Keys: space plays or pauses, ← and → step one frame. Under the players,
 * |candidate − baseline| per pixel on a canvas, the wipe view (candidate over baseline, clipped where the
 * user drags) and the per-frame curves with a cursor on the frame shown.
 */
export async function samplePage(view, project, suite, model, runId, sampleId, vs = null) {
  const v = await api.sample(project, suite, model, runId, sampleId, vs);
  const s = v.sample;
  document.title = `${s.status} ${s.prompt.slice(0, 40)} · seed ${s.seed} · TemporalCI`;
  const runLink = vs
    ? route('compare', project, suite, model, vs, runId)
    : route('run', project, suite, model, runId);
  setCrumbs([`${project} / ${suite}`, '#/'], [model, null], [runId, runLink], [sampleId, null]);

  const player = (url, label) =>
    url
      ? h('video', {
          src: url,
          muted: true,
          playsInline: true,
          preload: 'auto',
          className: 'player',
          ariaLabel: label,
        })
      : null;
  const cand = player(s.video_url, 'candidate video');
  const base = player(v.baseline?.video_url ?? null, 'baseline video');
  const pane = (title, video, missing) =>
    h(
      'figure',
      { className: 'pane' },
      h('figcaption', {}, title),
      video ?? h('p', { className: 'muted missing' }, missing),
    );

  const header = h(
    'section',
    { id: 'sample-head' },
    h('h1', {}, badge(s.status), ' ', h('span', { className: 'prompt' }, s.prompt)),
    h(
      'p',
      { className: 'facts' },
      `seed ${s.seed} · test ${s.test_id} · sample ${s.sample_id} · `,
      h('a', { href: runLink }, `run ${runId}`),
      s.failing.length ? ` · fails ${s.failing.join(', ')}` : '',
    ),
  );
  const players = h(
    'section',
    { className: 'players' },
    pane(
      v.baseline ? `${vs ? 'run' : 'baseline'} ${v.baseline.run_id}` : 'baseline',
      base,
      v.baseline
        ? (v.baseline.video_missing ?? 'the baseline kept no video of this sample')
        : 'this run has no baseline',
    ),
    pane(`candidate ${runId}`, cand, v.video_missing ?? 'this run kept no video of this sample'),
  );
  if (!cand) {
    mount(view, header, players, metricsTable(s));
    return null;
  }
  const sync = new SyncedPlayers(cand, base, v.fps);
  const diff = base ? new DiffView(cand, base) : null;
  const wipe = base ? new WipeView(cand, base) : null;
  const curvesSlot = h('div', { id: 'curves-slot' }, h('p', { className: 'muted' }, 'Measuring each frame…'));
  let curves = null;
  sync.onFrame = (frame) => {
    diff?.draw();
    wipe?.draw();
    curves?.at(frame);
  };
  mount(
    view,
    header,
    players,
    sync.controls(),
    curvesSlot,
    h(
      'div',
      { className: 'compare-views' },
      diff ? h('section', { className: 'diff' }, h('h2', {}, '|candidate − baseline|'), diff.canvas) : null,
      wipe?.element(),
    ),
    metricsTable(s),
  );
  // The curves are measured on request (a decode of both videos): the players do not wait for them.
  api
    .frames(project, suite, model, runId, sampleId, vs)
    .then((data) => {
      curves = new Curves(data);
      curvesSlot.replaceChildren(curves.el);
      sync.refresh();
    })
    .catch((e) =>
      curvesSlot.replaceChildren(h('p', { className: 'muted' }, `no per-frame curves: ${e.message}`)),
    );
  const onKey = (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
    if (e.key === ' ') sync.toggle();
    else if (e.key === 'ArrowLeft') sync.step(-1);
    else if (e.key === 'ArrowRight') sync.step(1);
    else return;
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  return () => {
    document.removeEventListener('keydown', onKey);
    sync.stop();
  };
}

class SyncedPlayers {
  constructor(cand, base, fps) {
    this.cand = cand;
    this.base = base;
    this.fps = fps > 0 ? fps : 24;
    this.videos = base ? [cand, base] : [cand];
    this.onFrame = () => undefined;
    this.raf = 0;
    this.button = h('button', { type: 'button', className: 'play', onclick: () => this.toggle() }, 'Play');
    this.slider = h('input', {
      type: 'range',
      min: '0',
      max: '1',
      step: 'any',
      value: '0',
      ariaLabel: 'seek',
      oninput: (e) => this.seek(Number(e.target.value)),
    });
    this.label = h('span', { className: 'time' });
    for (const v of this.videos) {
      v.addEventListener('loadedmetadata', () => this.refresh());
      v.addEventListener('seeked', () => this.refresh());
      v.addEventListener('loadeddata', () => this.refresh());
    }
    cand.addEventListener('ended', () => this.pause());
  }

  controls() {
    return h(
      'section',
      { className: 'controls' },
      h('button', { type: 'button', title: 'previous frame (←)', onclick: () => this.step(-1) }, '◀ frame'),
      this.button,
      h('button', { type: 'button', title: 'next frame (→)', onclick: () => this.step(1) }, 'frame ▶'),
      this.slider,
      this.label,
      h('span', { className: 'muted small' }, 'space: play/pause · ←/→: one frame'),
    );
  }

  get duration() {
    return Number.isFinite(this.cand.duration) ? this.cand.duration : 0;
  }

  toggle() {
    if (this.cand.paused) this.play();
    else this.pause();
  }

  play() {
    if (this.cand.ended) this.seek(0);
    const t = this.cand.currentTime;
    for (const v of this.videos) v.currentTime = t;
    for (const v of this.videos) v.play().catch(() => undefined); // a pause() before play resolves rejects it
    this.button.textContent = 'Pause';
    const loop = () => {
      // Drift correction: the candidate leads; the baseline follows to within half a frame.
      if (
        this.base &&
        !this.base.ended &&
        Math.abs(this.base.currentTime - this.cand.currentTime) > 0.5 / this.fps
      ) {
        this.base.currentTime = this.cand.currentTime;
      }
      this.refresh();
      if (!this.cand.paused) this.raf = requestAnimationFrame(loop);
    };
    this.raf = requestAnimationFrame(loop);
  }

  pause() {
    cancelAnimationFrame(this.raf);
    for (const v of this.videos) v.pause();
    if (this.base) this.base.currentTime = this.cand.currentTime;
    this.button.textContent = 'Play';
    this.refresh();
  }

  seek(t) {
    const to = Math.min(Math.max(0, t), this.duration || t);
    for (const v of this.videos) v.currentTime = to;
    this.refresh();
  }

  /** Pauses and moves both by n frames; lands mid-frame, so rounding never shows the neighbour. */
  step(n) {
    if (!this.cand.paused) this.pause();
    const frame = Math.floor(this.cand.currentTime * this.fps + 1e-6);
    const last = Math.max(0, Math.floor(this.duration * this.fps - 1e-6));
    const target = Math.min(Math.max(0, frame + n), last);
    this.seek((target + 0.5) / this.fps);
  }

  refresh() {
    const d = this.duration;
    this.slider.max = String(d || 1);
    this.slider.value = String(this.cand.currentTime);
    const frame = Math.floor(this.cand.currentTime * this.fps + 1e-6);
    this.label.textContent = `frame ${frame + 1} · ${this.cand.currentTime.toFixed(3)} s / ${d.toFixed(3)} s`;
    this.onFrame(frame);
  }

  stop() {
    cancelAnimationFrame(this.raf);
    for (const v of this.videos) v.pause();
  }
}

function metricsTable(s) {
  const paths = Object.keys(s.values);
  if (paths.length === 0)
    return h(
      'p',
      { className: 'muted' },
      s.error ? `${s.error.stage} ${s.error.code}: ${s.error.message}` : 'no metrics',
    );
  return h(
    'section',
    { id: 'sample-metrics' },
    h('h2', {}, 'Metrics'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'metric'),
          h('th', { className: 'num' }, 'value'),
          h('th', { className: 'num' }, 'Δ vs baseline'),
        ),
      ),
      h(
        'tbody',
        {},
        ...paths.map((p) => {
          const d = s.deltas[p];
          return h(
            'tr',
            {},
            h('td', {}, p),
            h('td', { className: 'num' }, fmt(s.values[p])),
            h(
              'td',
              { className: `num ${typeof d === 'number' && d !== 0 ? (d < 0 ? 'neg' : 'pos') : ''}` },
              fmtDelta(d),
            ),
          );
        }),
      ),
    ),
  );
}
