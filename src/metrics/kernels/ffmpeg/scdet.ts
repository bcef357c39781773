/**
 * Exact port of ffmpeg 5.1 `vf_scdet.c` for 8-bit input (metrics.md §3.6):
 * mafd = SAD·100 / count / 2^8 over the compared bytes (luma for planar YUV and gray, every byte for packed
 * RGB), score = clip(min(mafd, |mafd − prev_mafd|), 0, 100); the first frame scores 0 and prev_mafd starts
 * at 0, so the second frame's score equals its mafd.
 */

export interface ScdetFrame {
  /** Mean absolute frame difference in percent of the 8-bit range (ffmpeg `lavfi.scd.mafd`). */
  mafd: number;
  /** Scene-change score in [0, 100] (ffmpeg `lavfi.scd.score`); ffmpeg's default cut threshold is 10. */
  score: number;
}

/** Σ|a − b| over the first `count` bytes (ffmpeg `ff_scene_sad` for 8-bit). */
function sumAbsDiff8(a: Uint8Array, b: Uint8Array, count: number): number {
  if (a.length < count || b.length < count)
    throw new RangeError('scdet: buffers shorter than the compared count');
  let sad = 0;
  for (let i = 0; i < count; i++) {
    const d = a[i]! - b[i]!;
    sad += d < 0 ? -d : d;
  }
  return sad;
}

/**
 * Streaming scdet. Holds the previous buffer by reference (FrameView buffers are immutable once decoded);
 * a frame of a different byte size restarts the comparison, as the filter skips frames of another size.
 */
export class SceneDetect {
  private prev: Uint8Array | undefined;
  private prevMafd = 0;

  push(bytes: Uint8Array): ScdetFrame {
    let score = 0;
    if (this.prev !== undefined && this.prev.length === bytes.length) {
      const mafd = (sumAbsDiff8(this.prev, bytes, bytes.length) * 100) / bytes.length / 256;
      const diff = Math.abs(mafd - this.prevMafd);
      // av_clipf works in float: the score is a float32 value even though mafd stays double.
      score = Math.min(Math.max(Math.fround(Math.min(mafd, diff)), 0), 100);
      this.prevMafd = mafd;
    }
    this.prev = bytes;
    // The filter reports prev_mafd after the update: the current mafd, or the last one on a skipped frame.
    return { mafd: this.prevMafd, score };
  }
}
