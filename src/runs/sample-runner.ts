import { promises as fs } from 'node:fs';
import path from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { Adapter, GenerationResult } from '../adapters/types.js';
import { describeError, isTemporalCIError, TemporalCIError } from '../errors.js';
import type { MetricDefinition } from '../metrics/types.js';
import type { WorkerSampleContext } from '../metrics/worker/protocol.js';
import type { SampleError, SampleRecord, SampleStage } from '../schema/run.js';
import type { VideoSettings } from '../schema/suite.js';
import type { MetricValues } from '../schema/values.js';
import { decodeFrameViews } from '../video/decode.js';
import { probeVideo } from '../video/probe.js';
import { transcodeVideo } from '../video/transcode.js';
import type { VideoCodec, VideoInfo } from '../video/types.js';
import { MeasureStageError, measureStream } from './measure-stream.js';
import {
  checkReferenceOutput,
  makeReferenceInput,
  planReference,
  type ReferencePlan,
  TruthStream,
} from './reference.js';
import type { PlannedSample } from './types.js';

export interface ActiveMetric {
  name: string;
  def: MetricDefinition<Record<string, unknown>>;
  params: Record<string, unknown>;
}

export interface SampleRunContext {
  adapter: Adapter;
  modelName: string;
  runDir: string;
  metrics: readonly ActiveMetric[];
  retries: number;
  timeoutS: number | undefined;
  signal: AbortSignal;
  /** `artifacts.encode`: the codec kept videos are stored in. Undefined keeps the adapter's file as is. */
  artifactCodec?: VideoCodec;
}

/** ffprobe's codec names for the codecs a suite can ask for. */
const PROBED_NAME: Record<VideoCodec, string> = { h264: 'h264', h265: 'hevc', vp9: 'vp9' };

class StageError extends Error {
  constructor(
    readonly stage: SampleStage,
    readonly inner: unknown,
  ) {
    super(describeError(inner));
  }
}

function toSampleError(e: unknown): SampleError {
  const stage = e instanceof StageError ? e.stage : 'generate';
  const inner = e instanceof StageError ? e.inner : e;
  const code = isTemporalCIError(inner) ? inner.code : 'INTERNAL';
  const err: SampleError = { stage, code, message: describeError(inner) };
  if (isTemporalCIError(inner)) {
    if (inner.logTail !== undefined) err.log_tail = inner.logTail;
    if (inner.processExitCode !== undefined) err.exit_code = inner.processExitCode;
  }
  return err;
}

async function timed<T>(
  timings: SampleRecord['timings'],
  stage: SampleStage,
  fn: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[stage] = (timings[stage] ?? 0) + (performance.now() - start) / 1000;
  }
}

/** Runs the adapter with retries and exponential backoff; each attempt gets its own timeout signal. */
async function generate(
  ctx: SampleRunContext,
  planned: PlannedSample,
  videoPath: string,
  onAttempt: (n: number) => void,
  input?: { path: string; video: VideoSettings },
): Promise<GenerationResult> {
  const workDir = path.join(ctx.runDir, 'work', planned.sampleId);
  await fs.mkdir(workDir, { recursive: true });
  return pRetry(
    async (attempt) => {
      onAttempt(attempt);
      if (ctx.signal.aborted) throw new AbortError('interrupted');
      const signals = [ctx.signal];
      if (ctx.timeoutS !== undefined) signals.push(AbortSignal.timeout(ctx.timeoutS * 1000));
      const signal = AbortSignal.any(signals);
      try {
        return await ctx.adapter.generate({
          sampleId: planned.sampleId,
          model: ctx.modelName,
          testId: planned.testId,
          prompt: planned.prompt,
          seed: planned.seed,
          video: input?.video ?? planned.video,
          ...(input === undefined ? {} : { inputVideo: input.path }),
          ...(planned.initImage === undefined ? {} : { initImage: planned.initImage }),
          outputPath: videoPath,
          workDir,
          signal,
        });
      } catch (e) {
        if (ctx.signal.aborted) throw new AbortError(describeError(e));
        if (signal.aborted) {
          // Keep what the adapter learnt while stopping (its log tail); 124 as coreutils `timeout`.
          const inner = isTemporalCIError(e) ? e : undefined;
          throw new TemporalCIError('ADAPTER_FAILED', `timed out after ${ctx.timeoutS} s`, {
            hint: 'raise run.timeout_s / --timeout, or make the model faster',
            cause: e,
            logTail: inner?.logTail,
            processExitCode: inner?.processExitCode ?? 124,
          });
        }
        throw e;
      }
    },
    { retries: ctx.retries, factor: 2, minTimeout: 500, maxTimeout: 10_000, randomize: true },
  );
}

/**
 * Decodes the video once and feeds every pixel metric from the same frames: pure pixel metrics in a worker
 * thread (src/metrics/worker), fed while the next frames decode; the others on this thread.
 */
async function measure(
  ctx: SampleRunContext,
  planned: PlannedSample,
  info: VideoInfo,
  meta: Record<string, unknown>,
  timings: SampleRecord['timings'],
  reference?: { plan: ReferencePlan; crop: boolean },
): Promise<Record<string, MetricValues>> {
  // Reference tests: the truth is decoded in lockstep and the output cropped back from its padded size.
  const truth =
    reference === undefined
      ? undefined
      : new TruthStream(
          reference.plan.source.path,
          reference.plan.frames,
          reference.plan.scored,
          reference.crop ? { width: reference.plan.width, height: reference.plan.height } : undefined,
        );
  const sampleCtx: WorkerSampleContext = {
    sampleId: planned.sampleId,
    testId: planned.testId,
    prompt: planned.prompt,
    seed: planned.seed,
    video: info,
    timings: { ...timings } as Record<string, number>,
    metadata: meta,
    promptClass: planned.promptClass ?? null,
  };
  let out: Record<string, MetricValues>;
  try {
    out = await measureStream({
      metrics: ctx.metrics,
      ctx: sampleCtx,
      reference: truth,
      frames: () =>
        truth ? truth.frames(info.path, ctx.signal) : decodeFrameViews(info.path, { signal: ctx.signal }),
      signal: ctx.signal,
      timings,
    });
  } catch (e) {
    throw e instanceof MeasureStageError ? new StageError(e.stage, e.inner) : new StageError('metrics', e);
  }
  if (truth !== undefined) {
    // Per-frame full-reference values (run.json keeps the per-clip ones): reference/<sample>.json.
    const file = path.join(ctx.runDir, 'reference', `${planned.sampleId}.json`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${JSON.stringify({ sample_id: planned.sampleId, ...truth.perFrameJson() })}\n`);
  }
  return out;
}

/** A reference test's input, made from its source before the model runs (the time counts as generation). */
async function prepareReference(
  ctx: SampleRunContext,
  planned: PlannedSample,
): Promise<{ plan: ReferencePlan; input: { path: string; video: VideoSettings } } | undefined> {
  if (planned.reference === undefined) return undefined;
  const plan = await planReference(planned.reference);
  const inputPath = path.join(ctx.runDir, 'work', planned.sampleId, 'input.mp4');
  await fs.mkdir(path.dirname(inputPath), { recursive: true });
  await makeReferenceInput(plan, inputPath, ctx.signal);
  // What the model must output: the truth's frame count and fps, at the (padded) size it can work at.
  const video = {
    num_frames: plan.frames,
    fps: plan.fps,
    width: plan.paddedWidth,
    height: plan.paddedHeight,
  };
  return { plan, input: { path: inputPath, video } };
}

function checkReferenceOutputOrStage(info: VideoInfo, plan: ReferencePlan): boolean {
  try {
    return checkReferenceOutput(info, plan).crop;
  } catch (e) {
    throw new StageError('probe', e);
  }
}

/** One sample's whole life. Never throws for the sample's own failures: they are recorded in the row. */
export async function runSample(ctx: SampleRunContext, planned: PlannedSample): Promise<SampleRecord> {
  const timings: SampleRecord['timings'] = {};
  const videoPath = path.join(ctx.runDir, 'videos', `${planned.sampleId}.mp4`);
  const record: SampleRecord = {
    sample_id: planned.sampleId,
    test_id: planned.testId,
    prompt: planned.prompt,
    seed: planned.seed,
    video_settings: planned.video,
    video_path: null,
    video: null,
    retained: false,
    attempts: 0,
    timings,
    error: null,
    metrics: {},
    metadata: {},
  };
  if (typeof planned.promptClass === 'number') record.prompt_class = planned.promptClass;
  try {
    await fs.mkdir(path.dirname(videoPath), { recursive: true });
    const reference = await timed(timings, 'generate', () => prepareReference(ctx, planned)).catch(
      (e: unknown) => {
        throw new StageError('generate', e);
      },
    );
    const result = await timed(timings, 'generate', () =>
      generate(
        ctx,
        planned,
        videoPath,
        (n) => {
          record.attempts = n;
        },
        reference?.input,
      ),
    ).catch((e: unknown) => {
      throw new StageError('generate', e);
    });
    record.metadata = result.metadata ?? {};
    // Every measured video lives in the run folder, so reports and retention never point outside it.
    let produced = path.resolve(result.videoPath);
    if (produced !== videoPath) {
      const inRun = path.join(
        path.dirname(videoPath),
        `${planned.sampleId}${path.extname(produced) || '.mp4'}`,
      );
      await fs.copyFile(produced, inRun).catch((e: unknown) => {
        throw new StageError('generate', e);
      });
      produced = inRun;
    }
    const info = await timed(timings, 'probe', () => probeVideo(produced)).catch((e: unknown) => {
      throw new StageError('probe', e);
    });
    record.video_path = path.relative(ctx.runDir, info.path);
    record.video = {
      width: info.width,
      height: info.height,
      fps: info.fps,
      frame_count: info.frameCount,
      codec: info.codec,
    };
    const crop = reference === undefined ? undefined : checkReferenceOutputOrStage(info, reference.plan);
    record.metrics = await measure(
      ctx,
      planned,
      info,
      record.metadata,
      timings,
      reference === undefined || crop === undefined ? undefined : { plan: reference.plan, crop },
    );
    // Measured on the adapter's own file; stored in the codec the suite keeps artifacts in.
    const codec = ctx.artifactCodec;
    if (codec !== undefined && PROBED_NAME[codec] !== info.codec) {
      const base = path.join(path.dirname(videoPath), planned.sampleId);
      const kept = await timed(timings, 'encode', () =>
        transcodeVideo(produced, `${base}.${codec}`, codec, { signal: ctx.signal }),
      ).catch((e: unknown) => {
        throw new StageError('encode', e);
      });
      await fs.rm(produced, { force: true });
      record.video_path = path.relative(ctx.runDir, kept);
      record.video.codec = PROBED_NAME[codec];
    }
  } catch (e) {
    record.error = toSampleError(e);
  }
  return record;
}
