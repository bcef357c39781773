import type { Readable } from 'node:stream';
import { TemporalCIError } from '../errors.js';
import { lastMeaningfulLine, spawnChild } from '../platform/process.js';
import { locateFfmpeg, passthroughArgs } from './ffmpeg.js';
import { FrameView } from './frame-view.js';
import { probeHeader, type StreamHeader } from './probe.js';
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
    ...['-nostdin', '-hide_banner', '-loglevel', 'error'],
    // Metrics measure the pixels as coded: a rotation tag would otherwise transpose frames to a size
    // that no longer matches the probed width×height used to cut the byte stream into frames.
    ...['-noautorotate', '-i', `file:${path}`, '-map', '0:v:0', '-an', '-sn'],
    ...scaleFilter(header, width, height),
    // Without passthrough, ffmpeg duplicates or drops frames to hit a constant output rate, and metrics
    // would measure frames the model never produced.
    ...(await passthroughArgs(install)),
    ...['-f', 'rawvideo', '-pix_fmt', format === 'gray' ? 'gray' : 'rgb24', 'pipe:1'],
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
    const stderr = proc.stderr.toString();
    const quote = (): string => {
      const line = lastMeaningfulLine(stderr);
      return line === '' ? '' : ` (ffmpeg: "${line}")`;
    };
    if (proc.aborted()) {
      throw new TemporalCIError('INTERRUPTED', `${path}: decoding was cancelled`, {
        hint: 'nothing to fix; run again to finish the work',
      });
    }
    if (exit.error !== undefined) {
      throw new TemporalCIError(
        'FFMPEG_MISSING',
        `could not start ${install.ffmpeg}: ${exit.error.message}`,
        {
          hint: 'run `temporalci doctor` to check the ffmpeg installation',
          cause: exit.error,
        },
      );
    }
    const fail = (what: string): TemporalCIError =>
      new TemporalCIError('VIDEO_INVALID', `${path}: ${what}${quote()}`, { hint: HINT, file: path });
    if (exit.code !== 0) {
      throw fail(`decoding failed after ${index} frame(s) (ffmpeg exit ${exit.code ?? exit.signal})`);
    }
    if (filled !== 0)
      throw fail(`decoded data ended mid-frame (${filled} of ${frameSize} bytes of frame ${index})`);
    if (index === 0) throw fail('no frames could be decoded');
    // ffmpeg may log decode errors yet exit 0 on a truncated file; fewer frames than the container
    // declares, together with errors, means frames are missing rather than merely damaged.
    if (header.declaredFrames !== undefined && index < header.declaredFrames && stderr.trim() !== '') {
      throw fail(`truncated or corrupt: decoded ${index} of ${header.declaredFrames} frames`);
    }
  } finally {
    if (!exitedCleanly) await proc.kill();
  }
}

/** Frames as rgb24 at native size, wrapped for metrics (luma computed once, on demand). */
export async function* decodeFrameViews(
  path: string,
  opts: { signal?: AbortSignal } = {},
): AsyncGenerator<FrameView> {
  for await (const frame of decodeFrames(path, { format: 'rgb24', signal: opts.signal })) {
    yield new FrameView(frame);
  }
}
