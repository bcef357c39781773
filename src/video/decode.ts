import type { Readable } from 'node:stream';
import { TemporalCIError } from '../errors.js';
import { type ExitInfo, lastMeaningfulLine, spawnChild } from '../platform/process.js';
import { type FfmpegInstall, locateFfmpeg, passthroughArgs } from './ffmpeg.js';
import { FrameView } from './frame-view.js';
import { type PlaneFormat, planeFormatFor, planesFrameSize, planesOf } from './planes.js';
import { probeHeader, type StreamHeader } from './probe.js';
import { type FrameSetEnd, outputUrl, readFrameSets, spawnMultiOutput } from './raw-outputs.js';
import type { Frame, RawPixelFormat } from './types.js';

export interface DecodeOptions {
  format: RawPixelFormat;
  /** Output width; with only one of width/height given, the other keeps the aspect ratio. */
  width?: number;
  height?: number;
  signal?: AbortSignal;
}

const HINT = 'check that the video plays (e.g. `ffplay <file>`); re-generate it if it was cut short';

function checkSide(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0)) {
    throw new TemporalCIError('USAGE', `decode ${name} must be a positive integer, got ${v}`, {
      hint: `pass a whole number of pixels for ${name}, or leave it out to keep the native size`,
    });
  }
}

/** Output size, computed here in integers rather than with ffmpeg expressions (`-1`, `iw/2`). */
function outputSize(header: StreamHeader, opts: DecodeOptions): { width: number; height: number } {
  checkSide('width', opts.width);
  checkSide('height', opts.height);
  const { width: w, height: h } = header;
  if (opts.width !== undefined && opts.height !== undefined)
    return { width: opts.width, height: opts.height };
  if (opts.width !== undefined)
    return { width: opts.width, height: Math.max(1, Math.round((h * opts.width) / w)) };
  if (opts.height !== undefined) {
    return { width: Math.max(1, Math.round((w * opts.height) / h)), height: opts.height };
  }
  return { width: w, height: h };
}

/**
 * Scaling flags. Downscaling uses `area` (each output pixel averages the source pixels it covers), which
 * does not alias fine texture into false motion or edges that temporal metrics would then measure;
 * upscaling has nothing to average, so it uses `bicubic`, ffmpeg's smooth default.
 */
function scaleFilter(header: StreamHeader, width: number, height: number): string[] {
  if (width === header.width && height === header.height) return [];
  const flags = width <= header.width && height <= header.height ? 'area' : 'bicubic';
  return ['-vf', `scale=${width}:${height}:flags=${flags}`];
}

/** ffmpeg's input side: the first video stream as coded, no audio or subtitles. */
function inputArgs(path: string): string[] {
  return [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error'],
    // Metrics measure the pixels as coded: a rotation tag would otherwise transpose frames to a size
    // that no longer matches the probed width×height used to cut the byte stream into frames.
    ...['-noautorotate', '-i', `file:${path}`],
  ];
}

/** One rawvideo output of the first video stream, in `pixFmt`, to `url`. */
async function outputArgs(install: FfmpegInstall, pixFmt: string, url: string, scale: string[] = []) {
  return [
    ...['-map', '0:v:0', '-an', '-sn'],
    ...scale,
    // Without passthrough, ffmpeg duplicates or drops frames to hit a constant output rate, and metrics
    // would measure frames the model never produced.
    ...(await passthroughArgs(install)),
    ...['-f', 'rawvideo', '-pix_fmt', pixFmt, url],
  ];
}

interface DecodeEnd {
  path: string;
  header: StreamHeader;
  install: FfmpegInstall;
  exit: ExitInfo;
  stderr: string;
  aborted: boolean;
  frames: number;
  /** Bytes of an incomplete last frame and its frame size, when the stream ended mid-frame. */
  partial?: { filled: number; frameSize: number };
}

/** After ffmpeg exited: the reason decoding failed, with ffmpeg's own last line, or nothing when it did not. */
function checkDecodeEnd(e: DecodeEnd): void {
  const quote = (): string => {
    const line = lastMeaningfulLine(e.stderr);
    return line === '' ? '' : ` (ffmpeg: "${line}")`;
  };
  if (e.aborted) {
    throw new TemporalCIError('INTERRUPTED', `${e.path}: decoding was cancelled`, {
      hint: 'nothing to fix; run again to finish the work',
    });
  }
  if (e.exit.error !== undefined) {
    throw new TemporalCIError(
      'FFMPEG_MISSING',
      `could not start ${e.install.ffmpeg}: ${e.exit.error.message}`,
      { hint: 'run `temporalci doctor` to check the ffmpeg installation', cause: e.exit.error },
    );
  }
  const fail = (what: string): TemporalCIError =>
    new TemporalCIError('VIDEO_INVALID', `${e.path}: ${what}${quote()}`, { hint: HINT, file: e.path });
  if (e.exit.code !== 0) {
    throw fail(`decoding failed after ${e.frames} frame(s) (ffmpeg exit ${e.exit.code ?? e.exit.signal})`);
  }
  if (e.partial !== undefined) {
    throw fail(
      `decoded data ended mid-frame (${e.partial.filled} of ${e.partial.frameSize} bytes of frame ${e.frames})`,
    );
  }
  if (e.frames === 0) throw fail('no frames could be decoded');
  // ffmpeg may log decode errors yet exit 0 on a truncated file; fewer frames than the container
  // declares, together with errors, means frames are missing rather than merely damaged.
  const declared = e.header.declaredFrames;
  if (declared !== undefined && e.frames < declared && e.stderr.trim() !== '') {
    throw fail(`truncated or corrupt: decoded ${e.frames} of ${declared} frames`);
  }
}

/**
 * Decode a video into raw frames, streamed: ffmpeg writes rawvideo to a pipe and frames are cut from it
 * as they arrive. Async iteration of the pipe applies back-pressure, so at most a pipe buffer plus one
 * frame is held regardless of clip length. Every frame gets its own buffer (consumers may keep frames).
 *
 * Breaking out of the loop (or an abort) kills ffmpeg and waits for it to be gone.
 */
export async function* decodeFrames(path: string, opts: DecodeOptions): AsyncGenerator<Frame> {
  const header = await probeHeader(path);
  const { width, height } = outputSize(header, opts);
  const install = await locateFfmpeg();
  const format = opts.format;
  const args = [
    ...inputArgs(path),
    ...(await outputArgs(
      install,
      format === 'gray' ? 'gray' : 'rgb24',
      'pipe:1',
      scaleFilter(header, width, height),
    )),
  ];
  const frameSize = width * height * (format === 'gray' ? 1 : 3);
  const proc = spawnChild(install.ffmpeg, args, { signal: opts.signal });
  let exitedCleanly = false;
  try {
    let current: Uint8Array | undefined;
    let filled = 0;
    let index = 0;
    for await (const chunk of proc.child.stdout as Readable) {
      const bytes = chunk as Buffer;
      let offset = 0;
      while (offset < bytes.length) {
        current ??= new Uint8Array(frameSize);
        const n = Math.min(frameSize - filled, bytes.length - offset);
        current.set(bytes.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameSize) {
          const frame: Frame = { index, width, height, format, data: current };
          index++;
          current = undefined;
          filled = 0;
          yield frame;
        }
      }
    }
    const exit = await proc.exited;
    exitedCleanly = true;
    checkDecodeEnd({
      path,
      header,
      install,
      exit,
      stderr: proc.stderr.toString(),
      aborted: proc.aborted(),
      frames: index,
      partial: filled === 0 ? undefined : { filled, frameSize },
    });
  } finally {
    if (!exitedCleanly) await proc.kill();
  }
}

export interface DecodeViewsOptions {
  signal?: AbortSignal;
  /**
   * The layout of the stored planes to deliver. Default: the file's own (planeFormatFor its pix_fmt).
   * A truth stream passes its own layout so both sides of a full-reference comparison match.
   */
  planes?: PlaneFormat;
}

/**
 * Frames at native size as FrameViews: rgb24 (luma computed on demand) together with the stored planes,
 * from one ffmpeg process that decodes each frame once and writes it to two pipes (planes on stdout,
 * rgb24 on fd 3). The rgb24 bytes are those of a plain `-pix_fmt rgb24` decode; the planes are the
 * decoder's own output, copied (no range conversion, no scaling) when the file is 8-bit planar.
 * Cost (docs/benchmarks.md): the second output adds the planes' bytes to the pipe traffic, no second decode.
 */
export async function* decodeFrameViews(
  path: string,
  opts: DecodeViewsOptions = {},
): AsyncGenerator<FrameView> {
  const header = await probeHeader(path);
  const { width, height } = header;
  const install = await locateFfmpeg();
  const planeFormat = opts.planes ?? planeFormatFor(header.pixelFormat).format;
  const args = [
    ...inputArgs(path),
    ...(await outputArgs(install, planeFormat.name, outputUrl(0))),
    ...(await outputArgs(install, 'rgb24', outputUrl(1))),
  ];
  const sizes = [planesFrameSize(planeFormat, width, height), width * height * 3];
  const proc = spawnMultiOutput(install.ffmpeg, args, 2, opts.signal);
  const end: FrameSetEnd = { sets: 0, partial: [], leftover: [] };
  let exitedCleanly = false;
  try {
    let index = 0;
    for await (const [planes, rgb] of readFrameSets(proc.outputs, sizes, end)) {
      const frame: Frame = { index, width, height, format: 'rgb24', data: rgb! };
      yield new FrameView(frame, planesOf(planeFormat, width, height, planes!));
      index++;
    }
    const exit = await proc.exited;
    exitedCleanly = true;
    const k = end.partial.findIndex((n) => n !== 0);
    checkDecodeEnd({
      path,
      header,
      install,
      exit,
      stderr: proc.stderr.toString(),
      aborted: proc.aborted(),
      frames: end.sets,
      partial: k < 0 ? undefined : { filled: end.partial[k]!, frameSize: sizes[k]! },
    });
    if (end.leftover.some((n) => n !== 0)) {
      throw new TemporalCIError(
        'INTERNAL',
        `${path}: ffmpeg's planes and rgb24 outputs disagree on the frame count (${end.sets} sets, ` +
          `${end.leftover.join('/')} frames left over)`,
        { hint: 'report this with the file; decoding one frame into two outputs should give equal counts' },
      );
    }
  } finally {
    if (!exitedCleanly) await proc.kill();
  }
}
