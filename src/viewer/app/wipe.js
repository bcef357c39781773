import { h } from './dom.js';

/**
 * The wipe view: the candidate drawn over the baseline, clipped at a position the user drags (on the
 * picture, or with the slider under it). Left of the line is the candidate, right of it the baseline, both
 * at the candidate's size (a baseline of another size is scaled), for the frame the players show.
 */
export class WipeView {
  constructor(cand, base) {
    this.cand = cand;
    this.base = base;
    this.pos = 0.5;
    this.canvas = h('canvas', {
      id: 'wipe',
      className: 'wipe-canvas',
      width: 1,
      height: 1,
      dataset: { pos: '0.500' },
    });
    this.slider = h('input', {
      type: 'range',
      id: 'wipe-pos',
      min: '0',
      max: '1',
      step: 'any',
      value: '0.5',
      ariaLabel: 'wipe position',
      oninput: (e) => this.move(Number(e.target.value)),
    });
    let dragging = false;
    const fromPointer = (e) => {
      const r = this.canvas.getBoundingClientRect();
      if (r.width > 0) this.move((e.clientX - r.left) / r.width);
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      dragging = true;
      this.canvas.setPointerCapture(e.pointerId);
      fromPointer(e);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (dragging) fromPointer(e);
    });
    const stop = () => {
      dragging = false;
    };
    this.canvas.addEventListener('pointerup', stop);
    this.canvas.addEventListener('pointercancel', stop);
  }

  move(pos) {
    this.pos = Math.min(1, Math.max(0, pos));
    this.slider.value = String(this.pos);
    this.canvas.dataset.pos = this.pos.toFixed(3);
    this.draw();
  }

  draw() {
    const { cand, base, canvas } = this;
    if (cand.readyState < 2 || base.readyState < 2 || cand.videoWidth === 0) return;
    const w = cand.videoWidth;
    const hgt = cand.videoHeight;
    if (canvas.width !== w || canvas.height !== hgt) {
      canvas.width = w;
      canvas.height = hgt;
    }
    const ctx = canvas.getContext('2d');
    const x = Math.round(this.pos * w);
    ctx.drawImage(base, 0, 0, w, hgt);
    if (x > 0) ctx.drawImage(cand, 0, 0, x, hgt, 0, 0, x, hgt);
    ctx.fillStyle = '#fff';
    ctx.fillRect(Math.min(w - 1, Math.max(0, x - 1)), 0, 1, hgt);
  }

  element() {
    return h(
      'section',
      { className: 'wipe' },
      h('h2', {}, 'Wipe: candidate ◀ | ▶ baseline'),
      this.canvas,
      h(
        'div',
        {},
        this.slider,
        h('span', { className: 'muted small' }, ' drag on the picture or the slider'),
      ),
    );
  }
}
