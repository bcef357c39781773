import path from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { Adapter, GenerationResult } from '../adapters/types.js';
import { describeError, isTemporalCIError, TemporalCIError } from '../errors.js';
import type { MetricDefinition } from '../metrics/types.js';
import type { WorkerSampleContext } from '../metrics/worker/protocol.js';
import { atomicWriteFile, copyFile, ensureDir, filesUnder, moveFile, removeFile } from '../platform/fs.js';
import { timeoutSignal } from '../platform/timers.js';
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
import type { PlannedSample, SuiteFile } from './types.js';
import { checkPixelBudget, videoMismatchError, videoMismatchOf } from './video-check.js';

export interface ActiveMetric {
  name: string;
  def: MetricDefinition<Record<string, unknown>>;
  params: Record<string, unknown>;
}

export interface SampleRunContext {
  adapter: Adapter;
  modelName: string;
  /** Where a file the suite references (init image, reference source) is on this machine. */
  resolveInput: (file: SuiteFile) => Promise<string>;
  metrics: readonly ActiveMetric[];
  retries: number;
  timeoutS: number | undefined;
  signal: AbortSignal;
  /** `artifacts.encode`: the codec kept videos are stored in. Undefined keeps the adapter's file as is. */
  artifactCodec?: VideoCodec;
  /** `run.video_mismatch`: fail the sample when its video differs from the request, or measure it anyway. */
  videoMismatch: 'fail' | 'warn';
  /** `run.max_video_pixels`: width × height × frames measured at most. */
  maxVideoPixels: number;
  /** `artifacts.keep_workdir`: keep every scratch file of the adapter; otherwise only its logs (`*.log`). */
  keepWorkdir: boolean;
  /**
   * What becomes of a failed sample's video (zero-byte, truncated, not a video, the wrong size): moved
   * aside to `work/<sample>/rejected/` with its reason, or deleted (`artifacts.video: none`). Never kept
   * in `videos/`, where it could pass for a result.
   */
  rejectedOutputs: 'keep' | 'delete';
}

/** Where a failed sample's output goes, under its work folder, beside `reason.txt`. */
export const REJECTED_DIR = 'rejected';

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
  layout: ScratchLayout,
  onAttempt: (n: number) => void,
  input?: { path: string; video: VideoSettings },
): Promise<GenerationResult> {
  const workDir = await ensureDir(layout.workDir);
  const initImage = planned.initImage === undefined ? undefined : await ctx.resolveInput(planned.initImage);
  return pRetry(
    async (attempt) => {
      onAttempt(attempt);
      if (ctx.signal.aborted) throw new AbortError('interrupted');
      const signals = [ctx.signal];
      if (ctx.timeoutS !== undefined) signals.push(timeoutSignal(ctx.timeoutS));
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
          ...(initImage === undefined ? {} : { initImage }),
          outputPath: layout.videoPath,
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
  layout: ScratchLayout,
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
    await atomicWriteFile(
      layout.referenceFile,
      `${JSON.stringify({ sample_id: planned.sampleId, ...truth.perFrameJson() })}\n`,
    );
  }
  return out;
}

/** A reference test's input, made from its source before the model runs (the time counts as generation). */
async function prepareReference(
  ctx: SampleRunContext,
  planned: PlannedSample,
  layout: ScratchLayout,
): Promise<{ plan: ReferencePlan; input: { path: string; video: VideoSettings } } | undefined> {
  if (planned.reference === undefined) return undefined;
  const plan = await planReference(planned.reference, await ctx.resolveInput(planned.reference.source));
  const inputPath = path.join(await ensureDir(layout.workDir), 'input.mp4');
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

/**
 * A sample's scratch folder mirrors the run folder (`videos/`, `work/<sample>/`, `reference/`), so the names
 * of its files are their names in the run: adapters that report a log as `work/<sample>/x.log` stay right.
 */
interface ScratchLayout {
  root: string;
  videoPath: string;
  workDir: string;
  referenceFile: string;
}

function scratchLayout(root: string, sampleId: string): ScratchLayout {
  return {
    root,
    videoPath: path.join(root, 'videos', `${sampleId}.mp4`),
    workDir: path.join(root, 'work', sampleId),
    referenceFile: path.join(root, 'reference', `${sampleId}.json`),
  };
}

/** A file a sample produced: its name in the run and where it is now. */
interface SampleFile {
  name: string;
  path: string;
}

export interface SampleOutcome {
  record: SampleRecord;
  /** Every file of the sample to keep with the run (the measured video, logs, per-frame values). */
  files: SampleFile[];
}

/**
 * One sample's whole life, in `scratchDir`. Never throws for the sample's own failures: they are recorded
 * in the row. The caller stores `files` and then removes the scratch folder.
 */
/** A planned sample's record before anything ran: no video, no values, no error yet. */
export function blankSampleRecord(planned: PlannedSample): SampleRecord {
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
    timings: {},
    error: null,
    metrics: {},
    metadata: {},
  };
  if (typeof planned.promptClass === 'number') record.prompt_class = planned.promptClass;
  return record;
}

export async function runSample(
  ctx: SampleRunContext,
  planned: PlannedSample,
  scratchDir: string,
): Promise<SampleOutcome> {
  const timings: SampleRecord['timings'] = {};
  const layout = scratchLayout(scratchDir, planned.sampleId);
  const record = blankSampleRecord(planned);
  record.timings = timings;
  try {
    await ensureDir(path.dirname(layout.videoPath));
    const reference = await timed(timings, 'generate', () => prepareReference(ctx, planned, layout)).catch(
      (e: unknown) => {
        throw new StageError('generate', e);
      },
    );
    const result = await timed(timings, 'generate', () =>
      generate(
        ctx,
        planned,
        layout,
        (n) => {
          record.attempts = n;
        },
        reference?.input,
      ),
    ).catch((e: unknown) => {
      throw new StageError('generate', e);
    });
    record.metadata = result.metadata ?? {};
    // Every measured video is kept under videos/ of the run, so reports and retention never point outside it.
    let produced = path.resolve(result.videoPath);
    if (produced !== layout.videoPath) {
      const inRun = path.join(
        path.dirname(layout.videoPath),
        `${planned.sampleId}${path.extname(produced) || '.mp4'}`,
      );
      await copyFile(produced, inRun).catch((e: unknown) => {
        throw new StageError('generate', e);
      });
      produced = inRun;
    }
    const info = await timed(timings, 'probe', () => probeVideo(produced)).catch((e: unknown) => {
      throw new StageError('probe', e);
    });
    record.video_path = runName(layout, info.path);
    record.video = {
      width: info.width,
      height: info.height,
      fps: info.fps,
      frame_count: info.frameCount,
      codec: info.codec,
    };
    checkVideo(ctx, planned, info, record, reference !== undefined);
    const crop = reference === undefined ? undefined : checkReferenceOutputOrStage(info, reference.plan);
    record.metrics = await measure(
      ctx,
      planned,
      info,
      record.metadata,
      timings,
      layout,
      reference === undefined || crop === undefined ? undefined : { plan: reference.plan, crop },
    );
    // Measured on the adapter's own file; stored in the codec the suite keeps artifacts in.
    const codec = ctx.artifactCodec;
    if (codec !== undefined && PROBED_NAME[codec] !== info.codec) {
      const base = path.join(path.dirname(layout.videoPath), planned.sampleId);
      const kept = await timed(timings, 'encode', () =>
        transcodeVideo(produced, `${base}.${codec}`, codec, { signal: ctx.signal }),
      ).catch((e: unknown) => {
        throw new StageError('encode', e);
      });
      await removeFile(produced);
      record.video_path = runName(layout, kept);
      record.video.codec = PROBED_NAME[codec];
    }
  } catch (e) {
    record.error = toSampleError(e);
  }
  if (record.error !== null) await setAsideOutputs(layout, record, ctx.rejectedOutputs);
  return { record, files: await keptFiles(layout, record, ctx.keepWorkdir) };
}

/**
 * A failed sample keeps no video under `videos/`: whatever the adapter, the copy or the transcode left
 * there (whole, half-written or not a video at all) is moved to `work/<sample>/rejected/` with a
 * `reason.txt` saying why, or deleted. Files outside the scratch folder (a local path an adapter named)
 * are never touched.
 */
async function setAsideOutputs(
  layout: ScratchLayout,
  record: SampleRecord,
  policy: 'keep' | 'delete',
): Promise<void> {
  record.video_path = null;
  const videosDir = path.dirname(layout.videoPath);
  const outputs = await filesUnder(videosDir);
  if (outputs.length === 0) return;
  const rejected = path.join(layout.workDir, REJECTED_DIR);
  for (const name of outputs) {
    const from = path.join(videosDir, name);
    if (policy === 'delete') await removeFile(from);
    else await moveFile(from, path.join(rejected, name));
  }
  if (policy === 'delete') return;
  const err = record.error as SampleError;
  const reason = [
    `sample ${record.sample_id} failed at stage ${err.stage} (${err.code}):`,
    err.message,
    '',
    `files: ${outputs.join(', ')}`,
    'they are kept for inspection only; no result was measured from them.',
    '',
  ].join('\n');
  await atomicWriteFile(path.join(rejected, 'reason.txt'), reason);
  record.metadata.rejected_output = runName(layout, path.join(rejected, outputs[0] as string));
}

/**
 * The video against the request, before any pixel is decoded: a reference test checks its output against
 * the truth instead (src/runs/reference.ts), every other sample against its test's video settings.
 */
function checkVideo(
  ctx: SampleRunContext,
  planned: PlannedSample,
  info: VideoInfo,
  record: SampleRecord,
  isReference: boolean,
): void {
  try {
    checkPixelBudget(info, ctx.maxVideoPixels);
  } catch (e) {
    throw new StageError('probe', e);
  }
  if (isReference) return;
  const mismatch = videoMismatchOf(planned.video, info);
  if (mismatch === null) return;
  record.video_mismatch = mismatch;
  if (ctx.videoMismatch === 'fail') throw new StageError('probe', videoMismatchError(mismatch));
}

function runName(layout: ScratchLayout, file: string): string {
  return path.relative(layout.root, file).split(path.sep).join('/');
}

/**
 * The measured video (when the sample got that far), the per-frame reference values and, of the work
 * folder, the logs run.json points to and a failed sample's rejected outputs (everything with
 * `keep_workdir`).
 */
async function keptFiles(
  layout: ScratchLayout,
  record: SampleRecord,
  keepWorkdir: boolean,
): Promise<SampleFile[]> {
  const files: SampleFile[] = [];
  if (record.video_path !== null)
    files.push({ name: record.video_path, path: path.join(layout.root, record.video_path) });
  const work = path.relative(layout.root, layout.workDir);
  for (const dir of ['reference', work]) {
    for (const rel of await filesUnder(path.join(layout.root, dir))) {
      const rejected = rel.startsWith(`${REJECTED_DIR}/`);
      if (dir === work && !keepWorkdir && !rejected && !rel.endsWith('.log')) continue;
      const name = `${dir.split(path.sep).join('/')}/${rel}`;
      files.push({ name, path: path.join(layout.root, name) });
    }
  }
  return files;
}
