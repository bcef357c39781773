import { FrameView } from '../../../src/video/frame-view.js';
import { mulberry32 } from '../../support/synthetic.js';

/**
 * Pans of known speed for the flow tests and bench/flow.ts: windows panning right across a textured still
 * image larger than the frame, so new content enters at one edge and leaves at the other (a camera pan). The
 * image is rendered at twice the frame resolution and each frame is its 2×2 area average, so half-pixel pans
 * are exact too. Gray (R = G = B), so the frames' luma is the texture itself.
 */

/** Smooth gray texture: uniform noise, three box blurs of radius r (≈ Gaussian σ 1.7r), std 35 around 128. */
export function texture(w: number, h: number, seed: number, r = 3): Uint8Array {
  const rand = mulberry32(seed);
  const p = new Float64Array(w * h);
  for (let i = 0; i < p.length; i++) p[i] = rand();
  const tmp = new Float64Array(w * h);
  const clampX = (x: number) => Math.min(w - 1, Math.max(0, x));
  const clampY = (y: number) => Math.min(h - 1, Math.max(0, y));
  for (let pass = 0; pass < 3; pass++) {
    for (let y = 0; y < h; y++) {
      let acc = 0;
      for (let x = -r; x <= r; x++) acc += p[y * w + clampX(x)]!;
      for (let x = 0; x < w; x++) {
        tmp[y * w + x] = acc / (2 * r + 1);
        acc += p[y * w + clampX(x + r + 1)]! - p[y * w + clampX(x - r)]!;
      }
    }
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let y = -r; y <= r; y++) acc += tmp[clampY(y) * w + x]!;
      for (let y = 0; y < h; y++) {
        p[y * w + x] = acc / (2 * r + 1);
        acc += tmp[clampY(y + r + 1) * w + x]! - tmp[clampY(y - r) * w + x]!;
      }
    }
  }
  let mean = 0;
  for (const v of p) mean += v;
  mean /= p.length;
  let sd = 0;
  for (const v of p) sd += (v - mean) ** 2;
  sd = Math.sqrt(sd / p.length);
  return Uint8Array.from(p, (v) => Math.max(0, Math.min(255, Math.round(128 + ((v - mean) / sd) * 35))));
}

export function grayView(
  index: number,
  w: number,
  h: number,
  gray: (x: number, y: number) => number,
): FrameView {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rgb.fill(gray(x, y), 3 * (y * w + x), 3 * (y * w + x) + 3);
  }
  return new FrameView({ index, width: w, height: h, format: 'rgb24', data: rgb });
}

/** `n` frames of a w×h window whose left edge is at `position(t)` px (a multiple of 0.5) on the still. */
export function panClip(
  w: number,
  h: number,
  n: number,
  position: (t: number) => number,
  seed = 1,
): FrameView[] {
  const reach = Math.ceil(Math.max(...Array.from({ length: n }, (_, t) => position(t))));
  const tw = 2 * (w + reach + 2);
  const tex = texture(tw, 2 * h, seed);
  return Array.from({ length: n }, (_, t) => {
    const off = Math.round(2 * position(t));
    return grayView(t, w, h, (x, y) => {
      const i = 2 * y * tw + off + 2 * x;
      return (tex[i]! + tex[i + 1]! + tex[i + tw]! + tex[i + tw + 1]! + 2) >> 2;
    });
  });
}
