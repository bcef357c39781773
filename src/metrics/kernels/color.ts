/**
 * Colour difference for the baseline-paired metrics: sRGB (8-bit, D65) → CIELAB, then CIEDE2000
 * (Sharma, Wu & Dalal 2005, the formula and test data of "The CIEDE2000 Color-Difference Formula:
 * Implementation Notes"). ΔE2000 ≈ 1 is a just-noticeable difference; ≈ 2–3 is visible side by side.
 */

export interface Lab {
  l: number;
  a: number;
  b: number;
}

/** sRGB transfer function inverse, tabulated for the 256 byte values. */
const LINEAR = (() => {
  const t = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    const c = i / 255;
    t[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  return t;
})();

// D65 reference white (2°), as in the sRGB standard.
const XN = 0.95047;
const YN = 1.0;
const ZN = 1.08883;

function labF(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
}

/** CIELAB of an sRGB colour given as (possibly fractional, e.g. averaged) 0..255 channel values. */
export function srgbToLab(r: number, g: number, b: number): Lab {
  const lin = (v: number): number => {
    const i = Math.min(255, Math.max(0, v));
    const lo = Math.floor(i);
    const hi = Math.min(255, lo + 1);
    return LINEAR[lo]! + (LINEAR[hi]! - LINEAR[lo]!) * (i - lo);
  };
  const rl = lin(r);
  const gl = lin(g);
  const bl = lin(b);
  const x = 0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl;
  const y = 0.2126729 * rl + 0.7151522 * gl + 0.072175 * bl;
  const z = 0.0193339 * rl + 0.119192 * gl + 0.9503041 * bl;
  const fx = labF(x / XN);
  const fy = labF(y / YN);
  const fz = labF(z / ZN);
  return { l: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz) };
}

const DEG = Math.PI / 180;
const POW25_7 = 25 ** 7;

/** CIEDE2000 with kL = kC = kH = 1. */
export function deltaE2000(p: Lab, q: Lab): number {
  const c1 = Math.hypot(p.a, p.b);
  const c2 = Math.hypot(q.a, q.b);
  const cBar7 = ((c1 + c2) / 2) ** 7;
  const g = 0.5 * (1 - Math.sqrt(cBar7 / (cBar7 + POW25_7)));
  const a1 = (1 + g) * p.a;
  const a2 = (1 + g) * q.a;
  const C1 = Math.hypot(a1, p.b);
  const C2 = Math.hypot(a2, q.b);
  const hue = (b: number, a: number): number => {
    if (a === 0 && b === 0) return 0;
    const h = Math.atan2(b, a) / DEG;
    return h < 0 ? h + 360 : h;
  };
  const h1 = hue(p.b, a1);
  const h2 = hue(q.b, a2);
  const dL = q.l - p.l;
  const dC = C2 - C1;
  let dh = 0;
  if (C1 * C2 !== 0) {
    dh = h2 - h1;
    if (dh > 180) dh -= 360;
    else if (dh < -180) dh += 360;
  }
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin((dh / 2) * DEG);
  const lBar = (p.l + q.l) / 2;
  const cBar = (C1 + C2) / 2;
  let hBar = h1 + h2;
  if (C1 * C2 !== 0) {
    if (Math.abs(h1 - h2) <= 180) hBar = (h1 + h2) / 2;
    else hBar = h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
  }
  const t =
    1 -
    0.17 * Math.cos((hBar - 30) * DEG) +
    0.24 * Math.cos(2 * hBar * DEG) +
    0.32 * Math.cos((3 * hBar + 6) * DEG) -
    0.2 * Math.cos((4 * hBar - 63) * DEG);
  const dTheta = 30 * Math.exp(-(((hBar - 275) / 25) ** 2));
  const cBar7b = cBar ** 7;
  const rC = 2 * Math.sqrt(cBar7b / (cBar7b + POW25_7));
  const l50 = (lBar - 50) ** 2;
  const sL = 1 + (0.015 * l50) / Math.sqrt(20 + l50);
  const sC = 1 + 0.045 * cBar;
  const sH = 1 + 0.015 * cBar * t;
  const rT = -Math.sin(2 * dTheta * DEG) * rC;
  const tl = dL / sL;
  const tc = dC / sC;
  const th = dH / sH;
  return Math.sqrt(tl * tl + tc * tc + th * th + rT * tc * th);
}

/**
 * Mean colour of each `block`×`block` tile of a packed rgb24 frame (partial tiles at the right and bottom
 * edges average what they hold), as [r, g, b] triples. Averaging first is what makes this a colour-drift
 * measure: grain and compression noise cancel within a tile, a change of hue or tone does not.
 */
export function blockMeanColors(rgb: Uint8Array, width: number, height: number, block: number): Float64Array {
  const bw = Math.ceil(width / block);
  const bh = Math.ceil(height / block);
  const sums = new Float64Array(bw * bh * 3);
  const counts = new Uint32Array(bw * bh);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / block) * bw;
    for (let x = 0; x < width; x++) {
      const t = row + Math.floor(x / block);
      const p = (y * width + x) * 3;
      sums[t * 3] = sums[t * 3]! + rgb[p]!;
      sums[t * 3 + 1] = sums[t * 3 + 1]! + rgb[p + 1]!;
      sums[t * 3 + 2] = sums[t * 3 + 2]! + rgb[p + 2]!;
      counts[t] = counts[t]! + 1;
    }
  }
  for (let t = 0; t < counts.length; t++) {
    const n = counts[t]!;
    sums[t * 3] = sums[t * 3]! / n;
    sums[t * 3 + 1] = sums[t * 3 + 1]! / n;
    sums[t * 3 + 2] = sums[t * 3 + 2]! / n;
  }
  return sums;
}

/** Mean CIEDE2000 between the tile colours of two frames of the same size. */
export function meanBlockDeltaE(a: Float64Array, b: Float64Array): number {
  let total = 0;
  const n = a.length / 3;
  for (let t = 0; t < n; t++) {
    const i = t * 3;
    total += deltaE2000(srgbToLab(a[i]!, a[i + 1]!, a[i + 2]!), srgbToLab(b[i]!, b[i + 1]!, b[i + 2]!));
  }
  return total / n;
}
