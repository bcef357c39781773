import type { Frame } from './types.js';

/**
 * A decoded rgb24 frame shared by every metric of a sample, with its BT.601 full-range luma computed once
 * on first use. One luma path for everything (our metrics and the ffmpeg parity references alike):
 * Y = round(0.299 R + 0.587 G + 0.114 B). Parity tests feed these exact gray bytes to ffmpeg
 */
export class FrameView {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /** Packed rgb24, width*height*3 bytes. Owned by this view; metrics may keep a reference. */
  readonly rgb: Uint8Array;
  private lumaCache: Uint8Array | undefined;

  constructor(frame: Frame) {
    if (frame.format !== 'rgb24') throw new Error('FrameView needs an rgb24 frame');
    this.index = frame.index;
    this.width = frame.width;
    this.height = frame.height;
    this.rgb = frame.data;
  }

  /** Gray8 luma plane, width*height bytes. */
  get luma(): Uint8Array {
    if (this.lumaCache === undefined) this.lumaCache = rgbToLuma(this.rgb, this.width * this.height);
    return this.lumaCache;
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
