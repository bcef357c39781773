/**
 * Mean absolute difference of two equally sized 8-bit buffers (any packing: rgb24 MAD over all three
 * channels is simply the MAD over the packed bytes). This is the inner quantity of VBench's
 * temporal_flickering and motion_smoothness (metrics.md §1.4, §3.1).
 */

/** Largest number of bytes summed in one int32 partial: 255 · 2^23 < 2^31, so `| 0` never overflows. */
const CHUNK = 1 << 23;

/**
 * Exact integer Σ|a[i] − b[i]|. Partials stay in int32 (fast small-integer arithmetic in V8) and are
 * added into a double, which is exact up to 2^53 (≈ 3.5e13 bytes at 255 each: far beyond any frame).
 */
export function sumAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`sumAbsDiff: buffers differ in length (${a.length} vs ${b.length})`);
  }
  let total = 0;
  for (let start = 0; start < a.length; start += CHUNK) {
    const end = Math.min(a.length, start + CHUNK);
    let acc = 0;
    // Branch-free |d| ((d ^ m) − m, m = d >> 31): on noisy frames the sign is unpredictable.
    for (let i = start; i < end; i++) {
      const d = a[i]! - b[i]!;
      const m = d >> 31;
      acc = (acc + ((d ^ m) - m)) | 0;
    }
    total += acc;
  }
  return total;
}

/** Σ|a − b| / length; 0 for empty buffers (nothing differs). */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  const sum = sumAbsDiff(a, b);
  return a.length === 0 ? 0 : sum / a.length;
}

/** VBench's mapping of a mean MAD on 8-bit data to a [0, 1] score, higher = steadier. */
export function madToScore(meanMad: number): number {
  return (255 - meanMad) / 255;
}
