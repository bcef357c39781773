import { TemporalCIError } from '../errors.js';

/**
 * Frame geometry done numerically in TypeScript. Padding is never delegated to ffmpeg filter expressions
 * (`pad=ceil(iw/2)*2:...`): such expressions failed to parse on some ffmpeg builds our users ran, while
 * plain byte copies behave the same everywhere and are trivially testable.
 */

export interface PaddedSize {
  width: number;
  height: number;
  padRight: number;
  padBottom: number;
}

/** Bad geometry arguments are a caller bug (sizes come from probes and suite-validated options). */
function geometryError(message: string): TemporalCIError {
  return new TemporalCIError('INTERNAL', message, {
    hint: 'this is a bug in the caller of src/video/geometry.ts',
  });
}

function checkDimension(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw geometryError(`${name} must be a positive integer, got ${value}`);
  }
}

function checkBuffer(data: Uint8Array, width: number, height: number, channels: number): void {
  checkDimension('width', width);
  checkDimension('height', height);
  checkDimension('channels', channels);
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw geometryError(
      `frame buffer holds ${data.length} bytes, expected ${expected} (${width}x${height}x${channels})`,
    );
  }
}

/** The smallest size at or above width×height whose sides are multiples of `multiple`. */
export function padSizeToMultiple(width: number, height: number, multiple: number): PaddedSize {
  checkDimension('width', width);
  checkDimension('height', height);
  checkDimension('multiple', multiple);
  // Integer arithmetic only: Math.ceil(w / m) * m can be off by one ulp for large values.
  const padRight = (multiple - (width % multiple)) % multiple;
  const padBottom = (multiple - (height % multiple)) % multiple;
  return { width: width + padRight, height: height + padBottom, padRight, padBottom };
}

/**
 * Grow a packed frame to targetW×targetH, anchored top-left, by replicating the last column and the last
 * row. Edge replication (rather than black) keeps the padded border from adding an artificial edge that
 * a lossy encoder would spend bits on and bleed into the real pixels.
 */
export function padFrame(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  targetW: number,
  targetH: number,
): Uint8Array {
  checkBuffer(data, width, height, channels);
  checkDimension('targetW', targetW);
  checkDimension('targetH', targetH);
  if (targetW < width || targetH < height) {
    throw geometryError(`cannot pad ${width}x${height} down to ${targetW}x${targetH}; use cropFrame`);
  }
  if (targetW === width && targetH === height) return data.slice();
  const out = new Uint8Array(targetW * targetH * channels);
  const srcStride = width * channels;
  const dstStride = targetW * channels;
  const last = (width - 1) * channels;
  for (let y = 0; y < height; y++) {
    const src = y * srcStride;
    const dst = y * dstStride;
    out.set(data.subarray(src, src + srcStride), dst);
    for (let x = srcStride; x < dstStride; x += channels) {
      out.copyWithin(dst + x, dst + last, dst + last + channels);
    }
  }
  const lastRow = (height - 1) * dstStride;
  for (let y = height; y < targetH; y++) out.copyWithin(y * dstStride, lastRow, lastRow + dstStride);
  return out;
}

/** The top-left cropW×cropH region of a packed frame (undoes padFrame). */
export function cropFrame(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  cropW: number,
  cropH: number,
): Uint8Array {
  checkBuffer(data, width, height, channels);
  checkDimension('cropW', cropW);
  checkDimension('cropH', cropH);
  if (cropW > width || cropH > height) {
    throw geometryError(`cannot crop ${width}x${height} to a larger ${cropW}x${cropH}`);
  }
  if (cropW === width) return data.slice(0, cropW * cropH * channels);
  const out = new Uint8Array(cropW * cropH * channels);
  const srcStride = width * channels;
  const dstStride = cropW * channels;
  for (let y = 0; y < cropH; y++)
    out.set(data.subarray(y * srcStride, y * srcStride + dstStride), y * dstStride);
  return out;
}
