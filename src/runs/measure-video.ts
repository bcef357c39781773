import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { loadMetric } from '../metrics/registry.js';
import type { WorkerSampleContext } from '../metrics/worker/protocol.js';
import type { MetricValues } from '../schema/values.js';
import { decodeFrameViews } from '../video/decode.js';
import { planeFormatFor } from '../video/planes.js';
import { probeVideo } from '../video/probe.js';
import type { VideoInfo } from '../video/types.js';
import { MeasureStageError, measureStream, type StreamMetric } from './measure-stream.js';
import { TruthStream } from './reference.js';

/** Key prefix that keeps the full-reference ssim/psnr apart from the consecutive-frame ones. */
const REF = 'reference:';

/**
 * `temporalci measure`: pixel metrics on one video file, without a suite. The same accumulators, decode path
 * and (with a reference) the same lockstep truth stream as the engine, so numbers agree with a run's.
 */

/** Metrics measured when `--metrics` is not given: every weight-free pixel metric with default params. */
export const DEFAULT_MEASURE_METRICS = [
  'ssim',
  'psnr',
  'vmaf_motion',
  'si',
  'ti',
  'scene_score',
  'vbench_temporal',
  'frame_consistency',
  'freeze_ratio',
  'dynamic_degree',
  'scene_cuts',
  'sharpness',
  'colorfulness',
  'exposure',
  'warping_error',
] as const;

export interface MeasureOptions {
  metrics?: readonly string[];
  reference?: string;
  signal?: AbortSignal;
}

/**
 * What `measure` prints. Full-reference values come first: with a reference, they are what the user asked
 * for. `no_reference` holds the metrics of the video alone — ssim and psnr there compare consecutive frames.
 */
export interface MeasureResult {
  video: VideoInfo;
  /** With a reference: ssim and psnr of each frame against the reference's, as `ffmpeg -lavfi ssim/psnr`. */
  full_reference?: {
    reference: VideoInfo;
    /** The plane layout compared (e.g. `yuv420p`), and whether ffmpeg had to convert a side to it. */
    planes: string;
    metrics: { ssim: MetricValues; psnr: MetricValues };
    /** Per frame: `ssim` (Y), `ssim.all`, `psnr` (Y), `psnr.average`, as [index, value] in frame order. */
    per_frame: Record<string, [number, number | null][]>;
  };
  no_reference: { metrics: Record<string, MetricValues> };
}

/** The plane layout of a comparison, saying when it is not both files' stored layout. */
function planesLabel(video: VideoInfo, ref: VideoInfo): string {
  const { format, converted } = planeFormatFor(ref.pixelFormat);
  const notes: string[] = [];
  if (converted) notes.push(`reference converted by ffmpeg from ${ref.pixelFormat}`);
  if (video.pixelFormat !== format.name) {
    notes.push(`video converted by ffmpeg from ${video.pixelFormat}`);
  }
  return notes.length === 0 ? format.name : `${format.name} (${notes.join('; ')})`;
}

function checkPair(video: VideoInfo, ref: VideoInfo): void {
  const hint = 'compare videos with the same frame count and size (e.g. the model output and its truth)';
  if (video.width !== ref.width || video.height !== ref.height) {
    throw new TemporalCIError(
      'VIDEO_INVALID',
      `${video.path} is ${video.width}x${video.height}, the reference ${ref.path} is ${ref.width}x${ref.height}`,
      { hint },
    );
  }
  if (video.frameCount !== ref.frameCount) {
    throw new TemporalCIError(
      'VIDEO_INVALID',
      `${video.path} has ${video.frameCount} frames, the reference ${ref.path} has ${ref.frameCount}`,
      { hint },
    );
  }
}

export async function measureVideo(file: string, opts: MeasureOptions = {}): Promise<MeasureResult> {
  const names = opts.metrics ?? DEFAULT_MEASURE_METRICS;
  const defs = [];
  for (const n of names) {
    const def = await loadMetric(n);
    if (!def.readsPixels || def.finalize !== undefined) {
      throw new TemporalCIError('USAGE', `metric ${n} cannot be measured on a single file`, {
        hint: `it needs a suite run (adapter metadata or a run-level judge); try: ${DEFAULT_MEASURE_METRICS.join(', ')}`,
      });
    }
    defs.push({ name: n.toLowerCase(), def });
  }
  const video = await probeVideo(path.resolve(file));
  let truth: TruthStream | undefined;
  let ref: VideoInfo | undefined;
  if (opts.reference !== undefined) {
    ref = await probeVideo(path.resolve(opts.reference));
    checkPair(video, ref);
    truth = new TruthStream(ref.path, ref.frameCount, () => true, undefined);
  }
  const ctx: WorkerSampleContext = {
    sampleId: path.basename(video.path),
    testId: 'measure',
    prompt: '',
    seed: 0,
    video,
    timings: {},
    metadata: {},
    promptClass: null,
  };
  const metrics: StreamMetric[] = defs.map(({ name, def }) => ({ name, def, params: def.params.parse({}) }));
  if (truth !== undefined) {
    for (const name of ['ssim', 'psnr']) {
      const def = await loadMetric(name);
      metrics.push({ name: `${REF}${name}`, def, params: def.params.parse({ mode: 'reference' }) });
    }
  }
  const signal = opts.signal ?? new AbortController().signal;
  let values: Record<string, MetricValues>;
  try {
    // The suite engine's loop: pure pixel metrics in worker threads unless a reference is being read.
    values = await measureStream({
      metrics,
      ctx,
      reference: truth,
      frames: () => (truth ? truth.frames(video.path, signal) : decodeFrameViews(video.path, { signal })),
      signal,
      timings: {},
    });
  } catch (e) {
    throw e instanceof MeasureStageError ? e.inner : e;
  }
  const noReference: Record<string, MetricValues> = {};
  for (const [name, v] of Object.entries(values)) if (!name.startsWith(REF)) noReference[name] = v;
  const result: MeasureResult = { video, no_reference: { metrics: noReference } };
  if (truth === undefined || ref === undefined) return result;
  return {
    video,
    full_reference: {
      reference: ref,
      planes: planesLabel(video, ref),
      metrics: { ssim: values[`${REF}ssim`]!, psnr: values[`${REF}psnr`]! },
      per_frame: truth.perFrameJson(),
    },
    no_reference: result.no_reference,
  };
}
