import { TemporalCIError } from '../errors.js';
import type { FrameView } from '../video/frame-view.js';

/**
 * Shared by the ffmpeg-port metrics (ssim, psnr, vmaf_motion, si, ti, scene_score): every one of them keeps
 * state sized for the first frame, so a frame of another size is a decoder bug worth a clear error rather
 * than an out-of-bounds read.
 */
export class FrameSizeGuard {
  private size: { width: number; height: number } | undefined;

  constructor(
    private readonly metric: string,
    private readonly sampleId: string,
  ) {}

  /** True on the first frame (callers allocate their state then). */
  check(frame: FrameView): boolean {
    if (this.size === undefined) {
      this.size = { width: frame.width, height: frame.height };
      return true;
    }
    if (frame.width !== this.size.width || frame.height !== this.size.height) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `${this.metric}: sample ${this.sampleId} frame ${frame.index} is ${frame.width}x${frame.height}, ` +
          `earlier frames were ${this.size.width}x${this.size.height}`,
        { hint: 'the decoder must deliver every frame of a sample at one size' },
      );
    }
    return false;
  }
}

/** A kernel's NaN (no window, no frame pair) becomes null: "could not be computed", never a pass. */
export function finiteOrNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** Frame-to-frame comparison modes. Only consecutive frames for now; a reference-video mode is wired by
 * the engine later and will call the same two-frame kernels. */
export const PAIR_MODES = ['consecutive'] as const;
