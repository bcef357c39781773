import type { Rng } from './rng.js';

export type Rgb = readonly [number, number, number];

/**
 * A periodic (tileable) background texture, float rgb in 0..255, larger than the frame. The camera pan
 * samples it at an offset modulo its size, so any pan length works without growing the texture.
 */
export interface Texture {
  width: number;
  height: number;
  /** Packed rgb, width*height*3 floats. */
  data: Float32Array;
}

export interface TexturePalette {
  /** The two colours the large-scale noise field blends between. */
  low: Rgb;
  high: Rgb;
  /** Amplitude (levels) of the fine luminance detail that gives motion estimators something to lock on. */
  detail: number;
}

/**
 * Builds a band-limited value-noise texture: smooth (smoothstep-interpolated) random lattices at four
 * octaves. The finest octave has a cell of about 1/24 of the frame's short side, so a pan of a few pixels a
 * frame changes pixels smoothly (VBench-style flicker stays in the 0.95–0.99 range rather than collapsing).
 */
export function buildTexture(
  frameWidth: number,
  frameHeight: number,
  palette: TexturePalette,
  rng: Rng,
): Texture {
  // The coarsest cell is a multiple of 8 so that the three finer octaves (1/2, 1/4, 1/8) divide it exactly
  // and every octave tiles with the same period as the texture.
  const shortSide = Math.min(frameWidth, frameHeight);
  const cell = Math.max(8, 8 * Math.round(shortSide / 3 / 8));
  const cellsX = Math.ceil(frameWidth / cell) + 1;
  const cellsY = Math.ceil(frameHeight / cell) + 1;
  const width = cellsX * cell;
  const height = cellsY * cell;
  const blend = new Float32Array(width * height);
  const detail = new Float32Array(width * height);
  addOctave(blend, width, height, cell, 1, rng);
  addOctave(blend, width, height, cell / 2, 0.5, rng);
  addOctave(detail, width, height, cell / 4, 1, rng);
  addOctave(detail, width, height, cell / 8, 0.5, rng);

  const data = new Float32Array(width * height * 3);
  const { low, high } = palette;
  for (let i = 0, j = 0; i < blend.length; i++, j += 3) {
    // blend is in [0, 1.5]; normalise to [0, 1]. detail is in [0, 1.5]; centre it on zero.
    const m = blend[i]! / 1.5;
    const d = (detail[i]! / 1.5 - 0.5) * 2 * palette.detail;
    data[j] = clamp255(low[0] + (high[0] - low[0]) * m + d);
    data[j + 1] = clamp255(low[1] + (high[1] - low[1]) * m + d);
    data[j + 2] = clamp255(low[2] + (high[2] - low[2]) * m + d);
  }
  return { width, height, data };
}

/** Adds amplitude × periodic value noise with the given cell size (which must divide width and height). */
function addOctave(
  out: Float32Array,
  width: number,
  height: number,
  cell: number,
  amplitude: number,
  rng: Rng,
): void {
  const nx = width / cell;
  const ny = height / cell;
  const lattice = new Float32Array(nx * ny);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const ty = smoothstep(gy - y0);
    const row0 = (y0 % ny) * nx;
    const row1 = ((y0 + 1) % ny) * nx;
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const tx = smoothstep(gx - x0);
      const x1 = (x0 + 1) % nx;
      const a = lattice[row0 + x0]! + (lattice[row0 + x1]! - lattice[row0 + x0]!) * tx;
      const b = lattice[row1 + x0]! + (lattice[row1 + x1]! - lattice[row1 + x0]!) * tx;
      out[y * width + x]! += amplitude * (a + (b - a) * ty);
    }
  }
}

function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}

function clamp255(v: number): number {
  return Math.min(255, Math.max(0, v));
}
