/**
 * Weight-free per-frame features for a subject-consistency PROXY (VBench uses DINO ViT-B/16 embeddings,
 * metrics.md §1.4; these are not that and must never be reported under DINO's numbers).
 *
 * A frame's feature has two halves, weighted equally:
 * - layout: the luma plane area-downsampled to a 32×32 grid, mean-centred and L2-normalised. Its cosine is
 *   the Pearson correlation of two thumbnails: it sees where things are (structure, geometry) and ignores
 *   global brightness offsets and contrast gain, which are flicker's business, not the subject's.
 * - colour: an 8×8×8 RGB histogram (top 3 bits per channel), L2-normalised. Its cosine ignores layout
 *   entirely, so moderate motion keeps it high while a change of content/palette drops it.
 * A hard cut to unrelated content changes both; a pan changes only the layout half, gradually. The
 * similarity is the cosine of the concatenation [layout, colour]/√2, which equals ½cos_layout + ½cos_colour.
 */

/** Thumbnail side for the layout half: coarse enough to be stable under noise, fine enough for structure. */
const LAYOUT_GRID = 32;
/** Histogram bins per channel (8 → 512 bins, value >> 5). */
const HIST_BITS = 3;

export interface FeatureFrame {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  readonly luma: Uint8Array;
}

export interface FrameFeatures {
  /** Unit vector, or all zeros for a flat (constant-luma) frame. */
  readonly layout: Float64Array;
  /** True when the frame's thumbnail has no variation, so the layout half has no direction. */
  readonly flat: boolean;
  /** Unit vector (a non-empty frame always has a non-zero histogram). */
  readonly colour: Float64Array;
}

/** Below this norm the centred thumbnail is treated as flat (cell means are exact for constant frames). */
const FLAT_EPS = 1e-9;

/** Area (box) downsampling of luma to gx×gy cells, with gx = min(grid, width), gy = min(grid, height). */
export function lumaThumbnail(
  luma: Uint8Array,
  width: number,
  height: number,
  grid = LAYOUT_GRID,
): Float64Array {
  if (luma.length !== width * height || width === 0 || height === 0) {
    throw new RangeError(`lumaThumbnail: bad plane ${width}x${height} (${luma.length} bytes)`);
  }
  const gx = Math.min(grid, width);
  const gy = Math.min(grid, height);
  const sums = new Float64Array(gx * gy);
  const counts = new Float64Array(gx * gy);
  const colCell = new Int32Array(width);
  for (let x = 0; x < width; x++) colCell[x] = Math.floor((x * gx) / width);
  for (let y = 0; y < height; y++) {
    const rowCell = Math.floor((y * gy) / height) * gx;
    let i = y * width;
    for (let x = 0; x < width; x++, i++) {
      const c = rowCell + colCell[x]!;
      sums[c]! += luma[i]!;
      counts[c]! += 1;
    }
  }
  for (let c = 0; c < sums.length; c++) sums[c]! /= counts[c]!;
  return sums;
}

function normalise(v: Float64Array): number {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i]! * v[i]!;
  const norm = Math.sqrt(ss);
  if (norm > FLAT_EPS) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return norm;
}

/** L2-normalised joint RGB histogram with 2^bits bins per channel. */
export function rgbHistogram(rgb: Uint8Array, bits = HIST_BITS): Float64Array {
  const shift = 8 - bits;
  const hist = new Float64Array(1 << (3 * bits));
  for (let i = 0; i + 2 < rgb.length; i += 3) {
    hist[((rgb[i]! >> shift) << (2 * bits)) | ((rgb[i + 1]! >> shift) << bits) | (rgb[i + 2]! >> shift)]! +=
      1;
  }
  normalise(hist);
  return hist;
}

export function frameFeatures(frame: FeatureFrame): FrameFeatures {
  const layout = lumaThumbnail(frame.luma, frame.width, frame.height);
  let mean = 0;
  for (let i = 0; i < layout.length; i++) mean += layout[i]!;
  mean /= layout.length;
  for (let i = 0; i < layout.length; i++) layout[i]! -= mean;
  const norm = normalise(layout);
  const flat = norm <= FLAT_EPS;
  if (flat) layout.fill(0);
  return { layout, flat, colour: rgbHistogram(frame.rgb) };
}

/** Dot product of two unit vectors of equal length. */
function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new RangeError('features: vectors differ in length (frame size changed?)');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * cos([layout_a, colour_a]/√2, [layout_b, colour_b]/√2) = ½cos_layout + ½cos_colour. Two flat frames have
 * the same (absent) layout, so that half counts as identical (1); flat against textured counts as 0.
 */
export function featureSimilarity(a: FrameFeatures, b: FrameFeatures): number {
  const layout = a.flat || b.flat ? (a.flat && b.flat ? 1 : 0) : dot(a.layout, b.layout);
  // Rounding can push the dot product of a unit vector with itself a few ulps past 1; a consistency
  // score above 1 would confuse `<= 1` style gates.
  return Math.min(1, Math.max(-1, 0.5 * layout + 0.5 * dot(a.colour, b.colour)));
}

/** VBench's per-frame term for t ≥ 1: ½[max(0, cos(f_{t−1}, f_t)) + max(0, cos(f_0, f_t))]. */
export function consistencyTerm(first: FrameFeatures, prev: FrameFeatures, cur: FrameFeatures): number {
  return 0.5 * (Math.max(0, featureSimilarity(prev, cur)) + Math.max(0, featureSimilarity(first, cur)));
}
