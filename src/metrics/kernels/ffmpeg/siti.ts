/**
 * Exact port of ffmpeg 5.1 `vf_siti.c` for 8-bit luma (ITU-T P.910 SI/TI; metrics.md §4.5).
 * SI = population std of the 3×3 Sobel magnitude over the (w−2)(h−2) interior; TI = population std of
 * Y_t − Y_{t−1} over the whole frame, 0 for the first frame. The filter computes gradients and differences in
 * float32 and the statistics in double, and keeps its clip summary (sum, max, min) in float32; all mirrored.
 *
 * Range: the filter converts limited-range luma to full range first (integer formula below). It treats a
 * frame as full range when its colour range says so, or, when unspecified, when the pixel format is yuvj*.
 * TemporalCI's luma (FrameView) is full-range BT.601, so metrics use `range: 'full'` — the same numbers
 * ffmpeg gives on a yuvj420p input built from those bytes. `'limited'` reproduces a yuv420p input.
 */

export type LumaRange = 'full' | 'limited';

const f32 = Math.fround;

/** `convert_full_range(1, y)`: clamp(y − 16, 0, 219) then 255·y/219 in integer division. */
export const LIMITED_TO_FULL: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let y = 0; y < 256; y++) {
    const limited = Math.min(Math.max(y - 16, 0), 219);
    t[y] = Math.trunc((255 * limited) / 219);
  }
  return t;
})();

/** Population std as the filter's `std_deviation`: double mean, float32 deviations and squares, double sum. */
function siTiStd(values: Float32Array): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const d = f32(values[i]! - mean);
    sq += f32(d * d);
  }
  return f32(Math.sqrt(sq / n));
}

/** Sobel magnitudes (float32) of the interior of a full-range plane into `out` ((w−2)(h−2) values). */
function sobelMagnitudes(y: Uint8Array, width: number, height: number, out: Float32Array): void {
  const iw = width - 2;
  for (let j = 1; j < height - 1; j++) {
    const up = (j - 1) * width;
    const mid = j * width;
    const dn = (j + 1) * width;
    for (let i = 1; i < width - 1; i++) {
      const a = y[up + i - 1]!;
      const b = y[up + i]!;
      const c = y[up + i + 1]!;
      const d = y[mid + i - 1]!;
      const f = y[mid + i + 1]!;
      const g = y[dn + i - 1]!;
      const h = y[dn + i]!;
      const k = y[dn + i + 1]!;
      const gx = a - c + 2 * (d - f) + g - k;
      const gy = a + 2 * b + c - g - 2 * h - k;
      out[(j - 1) * iw + (i - 1)] = Math.sqrt(gx * gx + gy * gy);
    }
  }
}

export interface SiTiFrame {
  si: number;
  ti: number;
}

/** Streaming siti over 8-bit luma planes of one size. */
export class SiTi {
  private readonly full: Uint8Array;
  private readonly prev: Uint8Array;
  private readonly gradient: Float32Array;
  private readonly motion: Float32Array;
  private frames = 0;
  private sumSi = 0;
  private sumTi = 0;
  private maxSi = 0;
  private maxTi = 0;
  private minSi = 0;
  private minTi = 0;

  /**
   * `compute` limits the work to one of the two figures (the `si` and `ti` metrics each need only theirs:
   * half the cost); the other is then NaN in every frame and in the summary.
   */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly range: LumaRange = 'full',
    readonly compute: 'si' | 'ti' | 'both' = 'both',
  ) {
    if (width < 3 || height < 3) throw new RangeError(`siti: ${width}x${height} is too small (min 3x3)`);
    const si = compute !== 'ti';
    const ti = compute !== 'si';
    this.full = new Uint8Array(range === 'limited' ? width * height : 0);
    this.prev = new Uint8Array(ti ? width * height : 0);
    this.gradient = new Float32Array(si ? (width - 2) * (height - 2) : 0);
    this.motion = new Float32Array(ti ? width * height : 0);
  }

  push(luma: Uint8Array): SiTiFrame {
    const n = this.width * this.height;
    if (luma.length < n) throw new RangeError('siti: luma plane is shorter than w*h');
    const y = this.range === 'full' ? luma : this.full;
    if (this.range === 'limited') for (let i = 0; i < n; i++) this.full[i] = LIMITED_TO_FULL[luma[i]!]!;
    this.frames++;
    let si = Number.NaN;
    let ti = Number.NaN;
    if (this.compute !== 'ti') {
      sobelMagnitudes(y, this.width, this.height, this.gradient);
      si = siTiStd(this.gradient);
    }
    if (this.compute !== 'si') {
      for (let i = 0; i < n; i++) {
        this.motion[i] = this.frames > 1 ? y[i]! - this.prev[i]! : 0;
        this.prev[i] = y[i]!;
      }
      ti = siTiStd(this.motion);
    }
    this.maxSi = Math.max(si, this.maxSi);
    this.maxTi = Math.max(ti, this.maxTi);
    this.sumSi = f32(this.sumSi + si);
    this.sumTi = f32(this.sumTi + ti);
    this.minSi = this.frames === 1 ? si : Math.min(si, this.minSi);
    this.minTi = this.frames === 1 ? ti : Math.min(ti, this.minTi);
    return { si, ti };
  }

  get count(): number {
    return this.frames;
  }

  /** The filter's `print_summary` figures (float32 sums, so the averages match its printout). */
  summary(): {
    si: { average: number; max: number; min: number };
    ti: { average: number; max: number; min: number };
  } {
    const n = this.frames;
    return {
      si: { average: f32(this.sumSi / n), max: this.maxSi, min: this.minSi },
      ti: { average: f32(this.sumTi / n), max: this.maxTi, min: this.minTi },
    };
  }
}
