/**
 * A frame's planes as the file stores them (Y, U, V of yuv420p, …): what ffmpeg's own `ssim` and `psnr`
 * filters read when given the file. Full-reference and frame-to-frame SSIM/PSNR are measured on these, not
 * on a luma recomputed from rgb24 (that round trip upsamples chroma into luma and rescales the range, and
 * moved SSIM from ffmpeg's 0.742 to 0.841 on one clip).
 *
 * Only 8-bit planar layouts are kept as stored. A file in another layout (more than 8 bits, alpha, packed
 * or semi-planar, RGB) has its planes converted by ffmpeg to the 8-bit planar layout listed in
 * `planeFormatFor` — said in the measurement's `planes` label, because ffmpeg's filters would then see
 * different bytes than ours.
 */

/** An 8-bit planar layout: plane count and chroma subsampling, as in ffmpeg's pixel-format descriptors. */
export interface PlaneFormat {
  /** ffmpeg pix_fmt name, passed to `-pix_fmt` when decoding the planes. */
  readonly name: string;
  /** 1 (gray) or 3 (Y, U, V). */
  readonly count: 1 | 3;
  /** log2 of the horizontal and vertical chroma subsampling (yuv420p: 1, 1). */
  readonly log2ChromaW: number;
  readonly log2ChromaH: number;
}

const fmt = (name: string, count: 1 | 3, log2ChromaW: number, log2ChromaH: number): PlaneFormat => ({
  name,
  count,
  log2ChromaW,
  log2ChromaH,
});

/** Every 8-bit planar yuv/gray layout ffmpeg's ssim and psnr filters accept (their query_formats lists). */
const STORED: ReadonlyMap<string, PlaneFormat> = new Map(
  [
    fmt('gray', 1, 0, 0),
    fmt('yuv420p', 3, 1, 1),
    fmt('yuvj420p', 3, 1, 1),
    fmt('yuv422p', 3, 1, 0),
    fmt('yuvj422p', 3, 1, 0),
    fmt('yuv444p', 3, 0, 0),
    fmt('yuvj444p', 3, 0, 0),
    fmt('yuv440p', 3, 0, 1),
    fmt('yuvj440p', 3, 0, 1),
    fmt('yuv411p', 3, 2, 0),
    fmt('yuvj411p', 3, 2, 0),
    fmt('yuv410p', 3, 2, 2),
  ].map((f) => [f.name, f]),
);

export const GRAY: PlaneFormat = STORED.get('gray')!;

/** The layout of an ffmpeg pix_fmt name, when it is one of the 8-bit planar layouts kept as stored. */
export function storedPlaneFormat(pixFmt: string): PlaneFormat | undefined {
  return STORED.get(pixFmt);
}

/**
 * The planes decoded for a file whose stream is `pixFmt`: the stored layout itself when it is 8-bit planar
 * (`converted: false`), else the 8-bit planar layout with the same chroma subsampling (yuv420p10le →
 * yuv420p, nv12 → yuv420p, gray10le → gray), and yuv444p for RGB and anything unrecognised.
 */
export function planeFormatFor(pixFmt: string): { format: PlaneFormat; converted: boolean } {
  const stored = STORED.get(pixFmt);
  if (stored !== undefined) return { format: stored, converted: false };
  const yuv = /^yuva?j?(420|422|444|440|411|410)p/.exec(pixFmt);
  if (yuv !== null) return { format: STORED.get(`yuv${yuv[1]}p`)!, converted: true };
  if (/^(ya|gray)/.test(pixFmt)) return { format: GRAY, converted: true };
  if (/^(nv12|nv21|p010|p012|p016)/.test(pixFmt)) return { format: STORED.get('yuv420p')!, converted: true };
  if (/^(nv16|p210|p216)/.test(pixFmt)) return { format: STORED.get('yuv422p')!, converted: true };
  return { format: STORED.get('yuv444p')!, converted: true };
}

interface Plane {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** One frame's planes, views into one buffer (so a frame moves between threads as one transfer). */
export interface FramePlanes {
  readonly format: PlaneFormat;
  /** Y (or gray) first, then U and V; rows are packed (stride = plane width). */
  readonly planes: readonly Plane[];
  /** The whole frame: every plane back to back, as ffmpeg's rawvideo writes it. */
  readonly buffer: Uint8Array;
}

/** Plane sizes of a width×height frame: chroma rounds up, as ffmpeg's AV_CEIL_RSHIFT. */
export function planeSizes(format: PlaneFormat, width: number, height: number): { w: number; h: number }[] {
  const cw = -(-width >> format.log2ChromaW);
  const ch = -(-height >> format.log2ChromaH);
  return format.count === 1
    ? [{ w: width, h: height }]
    : [
        { w: width, h: height },
        { w: cw, h: ch },
        { w: cw, h: ch },
      ];
}

/** Bytes of one rawvideo frame in this layout. */
export function planesFrameSize(format: PlaneFormat, width: number, height: number): number {
  let n = 0;
  for (const s of planeSizes(format, width, height)) n += s.w * s.h;
  return n;
}

/** Planes over a rawvideo frame buffer of exactly planesFrameSize bytes (no copy). */
export function planesOf(
  format: PlaneFormat,
  width: number,
  height: number,
  buffer: Uint8Array,
): FramePlanes {
  const need = planesFrameSize(format, width, height);
  if (buffer.length !== need) {
    throw new RangeError(`${format.name} ${width}x${height} frame needs ${need} bytes, got ${buffer.length}`);
  }
  const planes: Plane[] = [];
  let offset = 0;
  for (const s of planeSizes(format, width, height)) {
    planes.push({ data: buffer.subarray(offset, offset + s.w * s.h), width: s.w, height: s.h });
    offset += s.w * s.h;
  }
  return { format, planes, buffer };
}

/**
 * The top-left width×height of a frame's planes (a padded model output cropped back to the truth). Chroma
 * is cropped to ceil(width / 2^log2ChromaW) columns, which is what ffmpeg's `crop=w:h:0:0` keeps.
 */
export function cropPlanes(src: FramePlanes, width: number, height: number): FramePlanes {
  const out = new Uint8Array(planesFrameSize(src.format, width, height));
  const sizes = planeSizes(src.format, width, height);
  let offset = 0;
  for (const [k, s] of sizes.entries()) {
    const p = src.planes[k]!;
    if (s.w > p.width || s.h > p.height) {
      throw new RangeError(`cannot crop a ${p.width}x${p.height} plane to ${s.w}x${s.h}`);
    }
    for (let y = 0; y < s.h; y++) out.set(p.data.subarray(y * p.width, y * p.width + s.w), offset + y * s.w);
    offset += s.w * s.h;
  }
  return planesOf(src.format, width, height, out);
}
