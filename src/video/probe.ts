import { stat } from 'node:fs/promises';
import { TemporalCIError } from '../errors.js';
import { lastMeaningfulLine, runProcess } from '../platform/process.js';
import { locateFfmpeg } from './ffmpeg.js';
import type { VideoInfo } from './types.js';

const HINT =
  'check that the adapter wrote a complete video file (mp4/webm) and that it plays, e.g. `ffplay <file>`';

/** What the container header says, without decoding anything. */
export interface StreamHeader {
  width: number;
  height: number;
  fps: number;
  codec: string;
  pixelFormat: string;
  durationSec: number;
  /** The container's frame count, when it records one (mp4 does, webm/mkv do not). */
  declaredFrames: number | undefined;
}

function invalid(path: string, what: string, stderr?: string, cause?: unknown): TemporalCIError {
  const line = stderr === undefined ? '' : lastMeaningfulLine(stderr);
  const quoted = line === '' ? '' : ` (ffprobe: "${line}")`;
  return new TemporalCIError('VIDEO_INVALID', `${path}: ${what}${quoted}`, { hint: HINT, file: path, cause });
}

/** Fail early, with a clear reason, for the cases ffprobe would only call "Invalid data". */
async function checkFile(path: string): Promise<void> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw invalid(path, 'is not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof TemporalCIError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw invalid(
      path,
      code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(e)})`,
      undefined,
      e,
    );
  }
  if (size === 0) throw invalid(path, 'file is empty (0 bytes)');
}

function parseRate(rate: unknown): number | undefined {
  if (typeof rate !== 'string') return undefined;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(rate);
  if (m === null) return undefined;
  const num = Number(m[1]);
  const den = m[2] === undefined ? 1 : Number(m[2]);
  // ffprobe reports "0/0" when it does not know the rate.
  return num > 0 && den > 0 ? num / den : undefined;
}

function toNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

async function ffprobeJson(path: string, extra: string[]): Promise<Record<string, unknown>> {
  const { ffprobe } = await locateFfmpeg();
  const res = await runProcess(ffprobe, [
    ...['-v', 'error', '-select_streams', 'v:0', ...extra, '-of', 'json'],
    // `file:` stops a name like "concat:x" or "http:..." from being read as a protocol URL.
    `file:${path}`,
  ]);
  if (res.code !== 0)
    throw invalid(path, 'not a readable video (corrupt, truncated or not a video)', res.stderrTail);
  try {
    const parsed: unknown = JSON.parse(res.stdout.toString('utf8'));
    const obj = record(parsed);
    if (obj === undefined) throw new Error('not an object');
    return obj;
  } catch (e) {
    throw invalid(path, `ffprobe printed output that is not JSON (${String(e)})`, res.stderrTail, e);
  }
}

/** Read the stream header of the first video stream. Cheap: no frame is decoded. */
export async function probeHeader(path: string): Promise<StreamHeader> {
  await checkFile(path);
  const json = await ffprobeJson(path, [
    '-show_entries',
    'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,pix_fmt,duration:format=duration',
  ]);
  const streams = Array.isArray(json.streams) ? json.streams : [];
  const stream = record(streams[0]);
  if (stream === undefined) throw invalid(path, 'has no video stream');
  const width = toNumber(stream.width);
  const height = toNumber(stream.height);
  if (width === undefined || height === undefined || width <= 0 || height <= 0) {
    throw invalid(path, 'video stream has no frame size (the stream is probably corrupt)');
  }
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  if (fps === undefined) throw invalid(path, 'video stream has no frame rate');
  const nb = toNumber(stream.nb_frames);
  const duration = toNumber(stream.duration) ?? toNumber(record(json.format)?.duration) ?? 0;
  return {
    width,
    height,
    fps,
    codec: typeof stream.codec_name === 'string' ? stream.codec_name : 'unknown',
    pixelFormat: typeof stream.pix_fmt === 'string' ? stream.pix_fmt : 'unknown',
    durationSec: duration,
    declaredFrames: nb !== undefined && nb > 0 ? nb : undefined,
  };
}

/**
 * Probe a video: size, rate, codec and an exact frame count. When the container records no count (webm,
 * mkv), ffprobe decodes the stream to count frames: slower, but a guessed duration×fps would be wrong for
 * variable-rate clips and gates on frame counts must be exact.
 */
export async function probeVideo(path: string): Promise<VideoInfo> {
  const header = await probeHeader(path);
  let frameCount = header.declaredFrames;
  if (frameCount === undefined) {
    const json = await ffprobeJson(path, ['-count_frames', '-show_entries', 'stream=nb_read_frames']);
    const stream = record(Array.isArray(json.streams) ? json.streams[0] : undefined);
    frameCount = toNumber(stream?.nb_read_frames);
    if (frameCount === undefined || frameCount <= 0) throw invalid(path, 'no decodable frames');
  }
  return {
    path,
    width: header.width,
    height: header.height,
    fps: header.fps,
    frameCount,
    codec: header.codec,
    durationSec: header.durationSec,
    pixelFormat: header.pixelFormat,
  };
}
