import { TemporalCIError } from '../errors.js';
import type { FrameView } from '../video/frame-view.js';
import type { ReferenceFrames } from './types.js';

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

/** Frame-pair modes: `consecutive` compares frame t with t−1; `reference` compares each scored frame with
 * the truth frame the caller supplies (SampleContext.reference), with the same two-frame kernels. */
export const PAIR_MODES = ['consecutive', 'reference'] as const;

/** The reference of a `mode: reference` metric, or a clear error where there is none to compare with. */
export function requireReference(metric: string, ref: ReferenceFrames | undefined): ReferenceFrames {
  if (ref !== undefined) return ref;
  throw new TemporalCIError('METRIC_FAILED', `${metric} with mode: reference has no reference video`, {
    hint:
      'use it in an interpolation or upscale test (the engine supplies the held-out truth) or in ' +
      '`temporalci measure VIDEO --reference REF`; use mode: consecutive in generation tests',
  });
}

/** A reference frame must match the measured frame exactly in size (after the engine's crop). */
export function checkReferenceSize(metric: string, frame: FrameView, truth: FrameView): void {
  if (frame.width === truth.width && frame.height === truth.height) return;
  throw new TemporalCIError(
    'METRIC_FAILED',
    `${metric}: frame ${frame.index} is ${frame.width}x${frame.height}, its reference is ${truth.width}x${truth.height}`,
    { hint: 'the model must output the reference size (or the padded size, which is cropped back)' },
  );
}
