import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TemporalCIError } from '../errors.js';
import { type ExitInfo, lastMeaningfulLine, spawnChild } from '../platform/process.js';
import { locateFfmpeg } from './ffmpeg.js';
import { padFrame, padSizeToMultiple } from './geometry.js';
import type { EncodeOptions, VideoCodec } from './types.js';

export interface VideoEncoder {
  /** Send one packed rgb24 frame of opts.width×opts.height; resolves once ffmpeg has taken it, after
   * which the caller may reuse the buffer. */
  write(rgb: Uint8Array): Promise<void>;
  /** Close the input, wait for ffmpeg, and move the finished file onto opts.output. */
  finish(): Promise<void>;
  /** Kill ffmpeg and remove the partial file; opts.output is left untouched. */
  abort(): void;
}

interface CodecSpec {
  extension: '.mp4' | '.webm';
  muxer: 'mp4' | 'webm';
  defaultCrf: number;
  maxCrf: number;
  args(crf: number): string[];
}

/**
 * Thread counts are pinned so the same frames give the same bytes on any machine: x264, x265 and libvpx
 * are deterministic for a fixed thread configuration, but the default scales with the CPU count.
 * Default CRFs aim at "visually close to the source" so encoding adds little to what metrics measure.
 */
const CODECS: Record<VideoCodec, CodecSpec> = {
  h264: {
    extension: '.mp4',
    muxer: 'mp4',
    defaultCrf: 18,
    maxCrf: 51,
    args: (crf) => [
      ...['-c:v', 'libx264', '-preset', 'medium', '-crf', String(crf), '-threads', '2'],
      ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
    ],
  },
  h265: {
    extension: '.mp4',
    muxer: 'mp4',
    defaultCrf: 22,
    maxCrf: 51,
    args: (crf) => [
      ...['-c:v', 'libx265', '-preset', 'medium', '-crf', String(crf)],
      // x265 logs to stderr itself (ignoring -loglevel); frame-threads=1 and a fixed pool keep it deterministic.
      ...['-x265-params', 'log-level=error:frame-threads=1:pools=2'],
      // hvc1 is the tag Apple players and browsers require for HEVC in mp4.
      ...['-pix_fmt', 'yuv420p', '-tag:v', 'hvc1', '-movflags', '+faststart'],
    ],
  },
  vp9: {
    extension: '.webm',
    muxer: 'webm',
    defaultCrf: 31,
    maxCrf: 63,
    args: (crf) => [
      // -b:v 0 makes libvpx-vp9 honour CRF as constant quality instead of treating it as a cap.
      ...['-c:v', 'libvpx-vp9', '-crf', String(crf), '-b:v', '0', '-deadline', 'good', '-cpu-used', '4'],
      ...['-threads', '2', '-row-mt', '0', '-pix_fmt', 'yuv420p'],
    ],
  },
};

export function extensionFor(codec: VideoCodec): '.mp4' | '.webm' {
  return CODECS[codec].extension;
}

/** The ffmpeg output arguments (codec, pixel format, muxer) for a codec, shared by encode and transcode. */
export function codecOutput(
  codec: VideoCodec,
  crf?: number,
): { args: string[]; extension: '.mp4' | '.webm' } {
  const spec = CODECS[codec];
  const q = crf ?? spec.defaultCrf;
  return {
    args: [
      ...spec.args(q),
      ...['-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact'],
      ...['-f', spec.muxer],
    ],
    extension: spec.extension,
  };
}

function usage(message: string, hint: string): TemporalCIError {
  return new TemporalCIError('USAGE', message, { hint });
}

function checkOptions(opts: EncodeOptions, spec: CodecSpec): number {
  for (const side of ['width', 'height'] as const) {
    const v = opts[side];
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw usage(
        `encode ${opts.output}: ${side} must be a positive integer, got ${v}`,
        'pass the frame size in pixels',
      );
    }
  }
  if (!Number.isFinite(opts.fps) || opts.fps <= 0) {
    throw usage(`encode ${opts.output}: fps must be a positive number, got ${opts.fps}`, 'pass e.g. fps: 24');
  }
  const crf = opts.crf ?? spec.defaultCrf;
  if (!Number.isInteger(crf) || crf < 0 || crf > spec.maxCrf) {
    throw usage(
      `encode ${opts.output}: crf must be an integer from 0 to ${spec.maxCrf}, got ${crf}`,
      `leave crf out to use the default (${spec.defaultCrf})`,
    );
  }
  return crf;
}

/**
 * Start ffmpeg reading raw rgb24 frames from stdin. yuv420p stores chroma at half resolution, so it needs
 * even sides: odd sizes are padded by one replicated column/row in TypeScript (src/video/geometry.ts)
 * before each frame is written, never with an ffmpeg pad expression (those broke on some builds). The
 * file therefore has the padded size, e.g. 71×45 is stored as 72×46.
 *
 * ffmpeg writes to a hidden temporary name in the output's folder; finish() renames it into place, which
 * is atomic on one filesystem, so a reader never sees a half-written file at opts.output.
 */
export async function createEncoder(opts: EncodeOptions): Promise<VideoEncoder> {
  const codec = opts.codec ?? 'h264';
  const spec = CODECS[codec];
  const crf = checkOptions(opts, spec);
  const install = await locateFfmpeg();
  const padded = padSizeToMultiple(opts.width, opts.height, 2);
  const needsPad = padded.padRight > 0 || padded.padBottom > 0;
  const frameBytes = opts.width * opts.height * 3;
  const temp = join(
    dirname(opts.output),
    `.${basename(opts.output)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp${spec.extension}`,
  );
  const args = [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${padded.width}x${padded.height}`],
    ...['-framerate', String(opts.fps), '-i', 'pipe:0', '-an'],
    ...spec.args(crf),
    // bitexact keeps the muxer from writing version strings, so identical frames give identical files.
    ...['-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact'],
    ...['-f', spec.muxer, `file:${temp}`],
  ];
  const proc = spawnChild(install.ffmpeg, args, { stdin: true });
  const stdin = proc.child.stdin;
  if (stdin === null) throw new TemporalCIError('INTERNAL', 'ffmpeg was spawned without a stdin pipe');
  let exit: ExitInfo | undefined;
  void proc.exited.then((e) => {
    exit = e;
  });
  let state: 'open' | 'finishing' | 'done' | 'aborted' = 'open';
  let frames = 0;

  const removeTemp = (): Promise<void> => rm(temp, { force: true });
  const failure = (e: ExitInfo): TemporalCIError => {
    if (e.error !== undefined) {
      return new TemporalCIError('FFMPEG_MISSING', `could not start ${install.ffmpeg}: ${e.error.message}`, {
        hint: 'run `temporalci doctor` to check the ffmpeg installation',
        cause: e.error,
      });
    }
    const line = lastMeaningfulLine(proc.stderr.toString());
    return new TemporalCIError(
      'FFMPEG_FAILED',
      `encoding ${opts.output} (${codec}) failed: ffmpeg exit ${e.code ?? e.signal}${line === '' ? '' : `: "${line}"`}`,
      { hint: 'run `temporalci doctor` to check that this ffmpeg has the encoder', file: opts.output },
    );
  };
  const died = async (): Promise<never> => {
    const e = await proc.exited;
    const wasAborted = state === 'aborted';
    state = 'done';
    await removeTemp();
    if (wasAborted) {
      throw new TemporalCIError('INTERRUPTED', `encoding ${opts.output} was aborted`, {
        hint: 'nothing to fix; run again to finish the work',
      });
    }
    throw failure(e);
  };

  return {
    async write(rgb: Uint8Array): Promise<void> {
      if (state !== 'open') throw new TemporalCIError('INTERNAL', `encoder for ${opts.output} is ${state}`);
      if (rgb.length !== frameBytes) {
        throw usage(
          `encode ${opts.output}: frame ${frames} has ${rgb.length} bytes, expected ${frameBytes} (${opts.width}x${opts.height} rgb24)`,
          'write packed rgb24 frames of the size given to createEncoder',
        );
      }
      if (exit !== undefined) await died();
      const data = needsPad ? padFrame(rgb, opts.width, opts.height, 3, padded.width, padded.height) : rgb;
      frames++;
      // Resolve only once the pipe has taken the bytes: Node's stream keeps a view of the caller's buffer
      // (no copy), so resolving earlier would let a caller that reuses one buffer overwrite queued frames.
      // Waiting per frame is also the back-pressure: ffmpeg's reading pace limits the writer.
      const taken = await Promise.race([
        new Promise<boolean>((resolve) => {
          stdin.write(data, (err) => resolve(err === undefined || err === null));
        }),
        // A dead ffmpeg may never consume the bytes; its exit status and stderr explain why (not EPIPE).
        proc.exited.then(() => false),
      ]);
      if (!taken) await died();
    },

    async finish(): Promise<void> {
      if (state !== 'open') throw new TemporalCIError('INTERNAL', `encoder for ${opts.output} is ${state}`);
      state = 'finishing';
      if (frames === 0) {
        await proc.kill();
        await removeTemp();
        state = 'done';
        throw new TemporalCIError('VIDEO_INVALID', `${opts.output}: no frames were given to encode`, {
          hint: 'the adapter produced an empty clip; check its output',
          file: opts.output,
        });
      }
      stdin.end();
      const e = await proc.exited;
      if (e.error !== undefined || e.code !== 0) await died();
      try {
        await rename(temp, opts.output);
      } catch (err) {
        await removeTemp();
        throw new TemporalCIError('FFMPEG_FAILED', `could not move the encoded video onto ${opts.output}`, {
          hint: 'check that the output folder exists and is writable',
          file: opts.output,
          cause: err,
        });
      } finally {
        state = 'done';
      }
    },

    abort(): void {
      if (state === 'done' || state === 'aborted') return;
      state = 'aborted';
      const killed = proc.kill();
      // Remove now and again once ffmpeg is gone, in case it created the file after the first attempt.
      rmSync(temp, { force: true });
      // abort() is synchronous by contract, so a failure of this last best-effort kill and removal has
      // nowhere to go; the synchronous rmSync above already reported nothing wrong.
      void killed.then(removeTemp, removeTemp).catch(() => {});
    },
  };
}

/** Encode a whole sequence of rgb24 frames; on any failure the partial file is removed and the error kept. */
export async function encodeFrames(
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  opts: EncodeOptions,
): Promise<void> {
  const encoder = await createEncoder(opts);
  try {
    for await (const frame of frames) await encoder.write(frame);
  } catch (e) {
    encoder.abort();
    throw e;
  }
  await encoder.finish();
}
