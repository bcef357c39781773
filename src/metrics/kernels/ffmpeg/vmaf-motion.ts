/**
 * Exact port of ffmpeg 5.1 `vf_vmafmotion.c` for 8-bit luma (metrics.md §4.5): a 5-tap blur in Q15 fixed
 * point, vertical pass (>> 8) then horizontal pass (>> 15), borders mirrored as |i| before the start and
 * 2n − i − 1 past the end; score_t = Σ|B_t − B_{t−1}| / (w·h·2^7), score_0 = 0.
 */

const BIT_SHIFT = 15;
const FILTER_5 = [0.054488685, 0.244201342, 0.402619947, 0.244201342, 0.054488685];

/** The filter's taps: `lrint(FILTER_5[i] * (1 << 15))` of the float32 constants (1785, 8002, 13193, …). */
export const VMAF_MOTION_TAPS: readonly number[] = FILTER_5.map((c) =>
  Math.round(Math.fround(c) * (1 << BIT_SHIFT)),
);

const T0 = VMAF_MOTION_TAPS[0]!;
const T1 = VMAF_MOTION_TAPS[1]!;
const T2 = VMAF_MOTION_TAPS[2]!;
const T3 = VMAF_MOTION_TAPS[3]!;
const T4 = VMAF_MOTION_TAPS[4]!;

/** The filter's border rule: |i| on the low side, n − (i − n + 1) on the high side. */
function mirror(i: number, n: number): number {
  const a = i < 0 ? -i : i;
  return a >= n ? n - (a - n + 1) : a;
}

/**
 * Blur an 8-bit plane into `out` (uint16 values, as the filter's blur buffer), using `temp` for the vertical
 * pass. Sums stay below 2^31 (32767·255 and 32767·32640), so plain JS integer arithmetic is exact.
 */
function vmafBlur(src: Uint8Array, width: number, height: number, temp: Uint16Array, out: Uint16Array): void {
  if (width < 3 || height < 3) throw new RangeError(`vmaf_motion: ${width}x${height} is too small (min 3x3)`);
  if (src.length < width * height) throw new RangeError('vmaf_motion: source plane is shorter than w*h');
  for (let i = 0; i < height; i++) {
    const inner = i >= 2 && i < height - 2;
    const r0 = (inner ? i - 2 : mirror(i - 2, height)) * width;
    const r1 = (inner ? i - 1 : mirror(i - 1, height)) * width;
    const r2 = i * width;
    const r3 = (inner ? i + 1 : mirror(i + 1, height)) * width;
    const r4 = (inner ? i + 2 : mirror(i + 2, height)) * width;
    for (let j = 0; j < width; j++) {
      const sum =
        T0 * src[r0 + j]! + T1 * src[r1 + j]! + T2 * src[r2 + j]! + T3 * src[r3 + j]! + T4 * src[r4 + j]!;
      temp[r2 + j] = sum >> 8;
    }
  }
  for (let i = 0; i < height; i++) {
    const row = i * width;
    for (let j = 0; j < width; j++) {
      let sum: number;
      if (j >= 2 && j < width - 3) {
        const p = row + j;
        sum = T0 * temp[p - 2]! + T1 * temp[p - 1]! + T2 * temp[p]! + T3 * temp[p + 1]! + T4 * temp[p + 2]!;
      } else {
        sum =
          T0 * temp[row + mirror(j - 2, width)]! +
          T1 * temp[row + mirror(j - 1, width)]! +
          T2 * temp[row + j]! +
          T3 * temp[row + mirror(j + 1, width)]! +
          T4 * temp[row + mirror(j + 2, width)]!;
      }
      out[row + j] = sum >>> BIT_SHIFT;
    }
  }
}

/** Streaming vmafmotion: push luma planes in order, get each frame's score (frame 0 scores 0). */
export class VmafMotion {
  private prev: Uint16Array;
  private cur: Uint16Array;
  private readonly temp: Uint16Array;
  private frames = 0;
  private sum = 0;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const n = width * height;
    this.prev = new Uint16Array(n);
    this.cur = new Uint16Array(n);
    this.temp = new Uint16Array(n);
  }

  push(luma: Uint8Array): number {
    vmafBlur(luma, this.width, this.height, this.temp, this.cur);
    let score = 0;
    if (this.frames > 0) {
      let sad = 0;
      const a = this.prev;
      const b = this.cur;
      // Branch-free |d| (the sign of a difference is unpredictable on noisy frames); exact integers.
      for (let i = 0; i < a.length; i++) {
        const d = a[i]! - b[i]!;
        const m = d >> 31;
        sad += (d ^ m) - m;
      }
      // "the output score is always normalized to 8 bits": blur values carry 7 extra fractional bits.
      score = sad / (this.width * this.height * (1 << (BIT_SHIFT - 8)));
    }
    const t = this.prev;
    this.prev = this.cur;
    this.cur = t;
    this.frames++;
    this.sum += score;
    return score;
  }

  get count(): number {
    return this.frames;
  }

  /** ffmpeg's "VMAF Motion avg": the mean over all frames, frame 0's zero included. */
  average(): number {
    return this.frames > 0 ? this.sum / this.frames : 0;
  }
}
