import { objectPose, type Scene, type SceneObject } from './scene.js';

/**
 * Renders the scene at time t (frames; fractional values allowed) into `out`, packed float rgb in 0..255
 * (width*height*3). Pure: the result depends only on (scene, t). Working in float keeps sub-pixel motion and
 * later degradations (blur, grain) free of intermediate rounding; `quantize` makes the rgb24 bytes.
 */
export function renderFrame(scene: Scene, t: number, out: Float32Array): void {
  const { width, height } = scene;
  if (out.length !== width * height * 3) {
    throw new RangeError(`render buffer holds ${out.length} values, expected ${width * height * 3}`);
  }
  drawBackground(scene, t, out);
  for (const obj of scene.objects) drawObject(obj, t, width, height, out);
}

/** Bytes of one rgb24 frame from a float frame (rounded, clamped). */
export function quantize(src: Float32Array, out: Uint8Array): void {
  // Uint8ClampedArray-style rounding by hand: Uint8Array would wrap instead of clamping.
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! + 0.5;
    out[i] = v <= 0 ? 0 : Math.min(v, 255);
  }
}

/**
 * Copies the texture at offset pan·t. The fractional part of the offset is the same for every pixel, so the
 * bilinear weights are constants and the sub-pixel pan costs four multiply-adds per channel.
 */
function drawBackground(scene: Scene, t: number, out: Float32Array): void {
  const { width, height, texture } = scene;
  const tw = texture.width;
  const th = texture.height;
  const tex = texture.data;
  const ox = scene.pan[0] * t;
  const oy = scene.pan[1] * t;
  const ix = Math.floor(ox);
  const iy = Math.floor(oy);
  const fx = ox - ix;
  const fy = oy - iy;
  const w00 = (1 - fx) * (1 - fy);
  const w10 = fx * (1 - fy);
  const w01 = (1 - fx) * fy;
  const w11 = fx * fy;
  const startX = mod(ix, tw);
  for (let y = 0; y < height; y++) {
    const ty0 = mod(iy + y, th);
    const ty1 = ty0 + 1 === th ? 0 : ty0 + 1;
    const row0 = ty0 * tw;
    const row1 = ty1 * tw;
    let tx0 = startX;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const tx1 = tx0 + 1 === tw ? 0 : tx0 + 1;
      const a = (row0 + tx0) * 3;
      const b = (row0 + tx1) * 3;
      const c = (row1 + tx0) * 3;
      const d = (row1 + tx1) * 3;
      out[o] = w00 * tex[a]! + w10 * tex[b]! + w01 * tex[c]! + w11 * tex[d]!;
      out[o + 1] = w00 * tex[a + 1]! + w10 * tex[b + 1]! + w01 * tex[c + 1]! + w11 * tex[d + 1]!;
      out[o + 2] = w00 * tex[a + 2]! + w10 * tex[b + 2]! + w01 * tex[c + 2]! + w11 * tex[d + 2]!;
      tx0 = tx1;
    }
  }
}

/**
 * Draws one object with analytic anti-aliasing: coverage = clamp(0.5 − d, 0, 1) where d is the signed
 * distance (px) from the pixel centre to the shape's edge. A linear shading ramp across the object's own
 * axis rotates with it, so even flat interiors carry texture for motion estimators.
 */
function drawObject(obj: SceneObject, t: number, width: number, height: number, out: Float32Array): void {
  const [px, py, angle] = objectPose(obj, t, width, height);
  const r = obj.radius;
  const extent = r * (1 + obj.lobes[0] + obj.lobes[2]) + 1.5;
  const x0 = Math.max(0, Math.floor(px - extent));
  const x1 = Math.min(width - 1, Math.ceil(px + extent));
  const y0 = Math.max(0, Math.floor(py - extent));
  const y1 = Math.min(height - 1, Math.ceil(py + extent));
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const [cr, cg, cb] = obj.color;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - py;
    let o = (y * width + x0) * 3;
    for (let x = x0; x <= x1; x++, o += 3) {
      const dx = x + 0.5 - px;
      // Object-local coordinates (rotate the pixel by −angle).
      const lx = cos * dx + sin * dy;
      const ly = -sin * dx + cos * dy;
      const cover = 0.5 - signedDistance(obj, lx, ly);
      if (cover <= 0) continue;
      const a = Math.min(cover, 1);
      const shade = 1 + 0.22 * (lx / r);
      out[o] = out[o]! + (cr * shade - out[o]!) * a;
      out[o + 1] = out[o + 1]! + (cg * shade - out[o + 1]!) * a;
      out[o + 2] = out[o + 2]! + (cb * shade - out[o + 2]!) * a;
    }
  }
}

/** Signed distance (px, negative inside) from local point (x, y) to the object's outline. */
function signedDistance(obj: SceneObject, x: number, y: number): number {
  const r = obj.radius;
  switch (obj.shape) {
    case 'circle':
      return Math.hypot(x, y) - r;
    case 'blob': {
      // A circle with a wavy radius; the radial distance is a close enough stand-in for the true distance
      // because the lobes are shallow (≤ 28 % of the radius).
      const theta = Math.atan2(y, x);
      const [a3, p3, a5, p5] = obj.lobes;
      return Math.hypot(x, y) - r * (1 + a3 * Math.sin(3 * theta + p3) + a5 * Math.sin(5 * theta + p5));
    }
    case 'rect': {
      // Half extents chosen so the corners lie on the circumcircle.
      const hw = r / Math.sqrt(1 + obj.aspect * obj.aspect);
      const hh = hw * obj.aspect;
      const qx = Math.abs(x) - hw;
      const qy = Math.abs(y) - hh;
      const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
      return outside + Math.min(Math.max(qx, qy), 0);
    }
    case 'triangle':
      return equilateralTriangleDistance(x / r, y / r) * r;
  }
}

/** Exact signed distance to an equilateral triangle of circumradius 1, centred at the origin (Quilez). */
function equilateralTriangleDistance(x: number, y: number): number {
  const k = Math.sqrt(3);
  // The classic formula takes a triangle with side 2·s; circumradius 1 ⇒ s = √3/2.
  const s = k / 2;
  let px = Math.abs(x) - s;
  let py = y + s / k;
  if (px + k * py > 0) {
    const nx = (px - k * py) / 2;
    const ny = (-k * px - py) / 2;
    px = nx;
    py = ny;
  }
  px -= Math.min(Math.max(px, -2 * s), 0);
  return -Math.hypot(px, py) * Math.sign(py);
}

function mod(a: number, n: number): number {
  const m = a % n;
  return m < 0 ? m + n : m;
}
