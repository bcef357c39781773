import { type FramePlanes, GRAY, planesOf } from './planes.js';
import type { Frame } from './types.js';

/**
 * A decoded frame shared by every metric of a sample: packed rgb24, its BT.601 full-range luma computed once
 * on first use (Y = round(0.299 R + 0.587 G + 0.114 B), the one luma path of the rgb-based metrics and of
 * their ffmpeg parity references), and the planes as the file stores them (yuv420p's Y, U, V…), which is
 * what ffmpeg's ssim and psnr filters read and so what ours read.
 */
export class FrameView {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /** Packed rgb24, width*height*3 bytes. Owned by this view; metrics may keep a reference. */
  readonly rgb: Uint8Array;
  private lumaCache: Uint8Array | undefined;
  private planesCache: FramePlanes | undefined;
  private readonly stored: boolean;

  /**
   * `planes`: the frame's stored planes when the decoder delivered them (decodeFrameViews does). Without
   * them (frames built in memory from rgb24), `planes` is the BT.601 luma as a single gray plane.
   */
  constructor(frame: Frame, planes?: FramePlanes) {
    if (frame.format !== 'rgb24') throw new Error('FrameView needs an rgb24 frame');
    this.index = frame.index;
    this.width = frame.width;
    this.height = frame.height;
    this.rgb = frame.data;
    if (
      planes !== undefined &&
      (planes.planes[0]?.width !== this.width || planes.planes[0]?.height !== this.height)
    ) {
      throw new RangeError(
        `planes of frame ${this.index} do not match its ${this.width}x${this.height} size`,
      );
    }
    this.planesCache = planes;
    this.stored = planes !== undefined;
  }

  /** Gray8 luma plane, width*height bytes. */
  get luma(): Uint8Array {
    if (this.lumaCache === undefined) this.lumaCache = rgbToLuma(this.rgb, this.width * this.height);
    return this.lumaCache;
  }

  /** The stored planes (see the constructor); views into one buffer owned by this frame. */
  get planes(): FramePlanes {
    this.planesCache ??= planesOf(GRAY, this.width, this.height, this.luma);
    return this.planesCache;
  }

  /** True when `planes` came from the file rather than from the rgb24 luma. */
  get hasStoredPlanes(): boolean {
    return this.stored;
  }
}

export function rgbToLuma(rgb: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  // Fixed-point weights (x 2^16) keep this exact to the rounding of the float formula for 8-bit input.
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    out[i] = (19595 * rgb[j]! + 38470 * rgb[j + 1]! + 7471 * rgb[j + 2]! + 32768) >> 16;
  }
  return out;
}
