import { h } from './dom.js';

/**
 * |candidate − baseline| per pixel and channel, amplified so that small differences show. Both frames are
 * drawn at the candidate's size (a baseline of another size is scaled), read back, subtracted and put on
 * the visible canvas. The videos come from this server, so reading their pixels is allowed.
 */
const GAIN = 4;

export class DiffView {
  constructor(cand, base) {
    this.cand = cand;
    this.base = base;
    this.canvas = h('canvas', { id: 'diff', className: 'diff-canvas', width: 1, height: 1 });
    this.scratch = document.createElement('canvas');
  }

  draw() {
    const { cand, base, canvas, scratch } = this;
    if (cand.readyState < 2 || base.readyState < 2 || cand.videoWidth === 0) return;
    const w = cand.videoWidth;
    const hgt = cand.videoHeight;
    if (canvas.width !== w || canvas.height !== hgt) {
      canvas.width = w;
      canvas.height = hgt;
      scratch.width = w;
      scratch.height = hgt;
    }
    const sc = scratch.getContext('2d', { willReadFrequently: true });
    sc.drawImage(cand, 0, 0, w, hgt);
    const a = sc.getImageData(0, 0, w, hgt);
    sc.drawImage(base, 0, 0, w, hgt);
    const b = sc.getImageData(0, 0, w, hgt).data;
    const out = a.data;
    for (let i = 0; i < out.length; i += 4) {
      out[i] = Math.min(255, Math.abs(out[i] - b[i]) * GAIN);
      out[i + 1] = Math.min(255, Math.abs(out[i + 1] - b[i + 1]) * GAIN);
      out[i + 2] = Math.min(255, Math.abs(out[i + 2] - b[i + 2]) * GAIN);
      out[i + 3] = 255;
    }
    canvas.getContext('2d').putImageData(a, 0, 0);
  }
}
