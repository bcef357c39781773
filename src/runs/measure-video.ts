import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import { getMetric } from '../metrics/registry.js';
import type { MetricAccumulator, MetricValues, SampleContext } from '../metrics/types.js';
import { decodeFrameViews } from '../video/decode.js';
import { probeVideo } from '../video/probe.js';
import type { VideoInfo } from '../video/types.js';
import { TruthStream } from './reference.js';

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
] as const;

export interface MeasureOptions {
  metrics?: readonly string[];
  reference?: string;
  signal?: AbortSignal;
}

export interface MeasureResult {
  video: VideoInfo;
  metrics: Record<string, MetricValues>;
  reference?: {
    path: string;
    /** Full-reference ssim/psnr over every frame (ffmpeg ports on luma). */
    metrics: Record<string, MetricValues>;
    per_frame: Record<string, [number, number | null][]>;
  };
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
  const defs = names.map((n) => {
    const def = getMetric(n);
    if (!def.readsPixels || def.finalize !== undefined) {
      throw new TemporalCIError('USAGE', `metric ${n} cannot be measured on a single file`, {
        hint: `it needs a suite run (adapter metadata or a run-level judge); try: ${DEFAULT_MEASURE_METRICS.join(', ')}`,
      });
    }
    return { name: n.toLowerCase(), def };
  });
  const video = await probeVideo(path.resolve(file));
  let truth: TruthStream | undefined;
  if (opts.reference !== undefined) {
    const ref = await probeVideo(path.resolve(opts.reference));
    checkPair(video, ref);
    truth = new TruthStream(ref.path, ref.frameCount, () => true, undefined);
  }
  const ctx: SampleContext = {
    sampleId: path.basename(video.path),
    testId: 'measure',
    prompt: '',
    seed: 0,
    video,
    timings: {},
    metadata: {},
    promptClass: null,
    reference: truth,
  };
  const accs: { name: string; group: 'metrics' | 'reference'; acc: MetricAccumulator }[] = [];
  for (const { name, def } of defs) {
    accs.push({ name, group: 'metrics', acc: def.create(def.params.parse({}), ctx) });
  }
  if (truth !== undefined) {
    for (const name of ['ssim', 'psnr']) {
      const def = getMetric(name);
      accs.push({ name, group: 'reference', acc: def.create(def.params.parse({ mode: 'reference' }), ctx) });
    }
  }
  const frames = truth ? truth.frames(video.path, opts.signal) : decodeFrameViews(video.path, opts);
  for await (const frame of frames) for (const a of accs) a.acc.push(frame);
  const result: MeasureResult = { video, metrics: {} };
  const refMetrics: Record<string, MetricValues> = {};
  for (const a of accs) {
    const values = await a.acc.finish();
    if (a.group === 'metrics') result.metrics[a.name] = values;
    else refMetrics[a.name] = values;
  }
  if (truth !== undefined && opts.reference !== undefined) {
    result.reference = {
      path: path.resolve(opts.reference),
      metrics: refMetrics,
      per_frame: truth.perFrameJson(),
    };
  }
  return result;
}
