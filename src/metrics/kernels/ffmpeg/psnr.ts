/**
 * Exact port of ffmpeg 5.1 `vf_psnr.c` for 8-bit planes (metrics.md §4.4): integer SSE per plane,
 * mse = SSE/(w·h), PSNR = 10·log10(max²/mse) (+Infinity when the planes are equal), the frame's `mse_avg`
 * weighted by plane area, and the clip average taken over MSE, not over per-frame PSNR.
 */

const MAX_8BIT = 255;

/** Σ(a − b)² over a `width`×`height` plane with row `stride`. Exact: at most 65025·w·h, far below 2^53. */
export function planeSse(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  stride = width,
): number {
  const need = (height - 1) * stride + width;
  if (width < 1 || height < 1 || stride < width || a.length < need || b.length < need) {
    throw new RangeError(`psnr: plane buffers ${a.length}/${b.length} bytes do not fit ${width}x${height}`);
  }
  let total = 0;
  for (let y = 0; y < height; y++) {
    // Per-line integer sum as the filter's sse_line; the line total stays below 2^31 for any sane width.
    let line = 0;
    for (let p = y * stride, end = p + width; p < end; p++) {
      const d = a[p]! - b[p]!;
      line += d * d;
    }
    total += line;
  }
  return total;
}

/** 10·log10(max²/mse); +Infinity for mse 0, as ffmpeg prints `inf`. */
export function psnrFromMse(mse: number, max = MAX_8BIT): number {
  return 10 * Math.log10((max * max) / mse);
}

export interface PsnrPlane {
  a: Uint8Array;
  b: Uint8Array;
  width: number;
  height: number;
  stride?: number;
}

export interface PsnrFrameResult {
  /** Per-plane MSE and PSNR in the order given. */
  mse: number[];
  psnr: number[];
  /** Σ_p weight_p·mse_p with weight_p = plane area / total area (double, as the filter's planeweight). */
  mseAvg: number;
  /** 10·log10(average_max²/mse_avg) with average_max = lrint(Σ max·weight) = 255 for 8-bit planes. */
  psnrAvg: number;
}

export function psnrFrame(planes: readonly PsnrPlane[]): PsnrFrameResult {
  if (planes.length === 0) throw new RangeError('psnr: a frame needs at least one plane');
  let area = 0;
  for (const p of planes) area += p.width * p.height;
  const mse: number[] = [];
  const psnr: number[] = [];
  let mseAvg = 0;
  for (const p of planes) {
    const m = planeSse(p.a, p.b, p.width, p.height, p.stride ?? p.width) / (p.width * p.height);
    mse.push(m);
    psnr.push(psnrFromMse(m));
    mseAvg += m * ((p.width * p.height) / area);
  }
  return { mse, psnr, mseAvg, psnrAvg: psnrFromMse(mseAvg) };
}

/**
 * Clip summary the way the filter prints `average:` — from the mean MSE over frames. The mean of per-frame
 * PSNR is a different (larger) number and is deliberately not offered.
 */
export class PsnrClip {
  private mseSum = 0;
  private frames = 0;
  private worstMse = Number.NEGATIVE_INFINITY;

  push(mseAvg: number): void {
    this.mseSum += mseAvg;
    this.frames++;
    if (mseAvg > this.worstMse) this.worstMse = mseAvg;
  }

  get count(): number {
    return this.frames;
  }

  /** 10·log10(255²/mean_frames(mse_avg)); NaN before any frame. */
  average(): number {
    return this.frames === 0 ? Number.NaN : psnrFromMse(this.mseSum / this.frames);
  }

  meanMse(): number {
    return this.frames === 0 ? Number.NaN : this.mseSum / this.frames;
  }

  /** PSNR of the worst (largest-MSE) frame, ffmpeg's `min:`. */
  min(): number {
    return this.frames === 0 ? Number.NaN : psnrFromMse(this.worstMse);
  }
}
