import { TemporalCIError } from '../errors.js';
import type { ReferenceFrames } from '../metrics/types.js';
import { decodeFrames, decodeFrameViews } from '../video/decode.js';
import { encodeFrames } from '../video/encode.js';
import { FrameView } from '../video/frame-view.js';
import { cropFrame, padFrame, padSizeToMultiple } from '../video/geometry.js';
import { cropPlanes, planeFormatFor } from '../video/planes.js';
import { probeHeader, probeVideo } from '../video/probe.js';
import type { VideoInfo } from '../video/types.js';
import type { ReferenceTask } from './types.js';

/**
 * Reference tests for video-to-video models (interpolation, upscaling): from a source clip the engine makes
 * the model's input, and scores the model's output against the held-out truth, frame by frame in lockstep
 * (only the current truth frame is held, whatever the clip length).
 */

/** What the model gets and what it must give back, derived from the probed source. */
export interface ReferencePlan {
  task: ReferenceTask;
  source: VideoInfo;
  /** Truth frames compared: the output must have exactly this many frames, at `fps`. */
  frames: number;
  fps: number;
  /** Truth size; the output may also come at `paddedWidth`×`paddedHeight`, which is cropped back. */
  width: number;
  height: number;
  paddedWidth: number;
  paddedHeight: number;
  input: { frames: number; fps: number; width: number; height: number };
  /** Is output frame `index` scored? Interpolation scores only the re-synthesised frames. */
  scored(index: number): boolean;
}

const FPS_TOLERANCE = 0.01;

function mismatch(message: string, hint: string, file?: string): TemporalCIError {
  return new TemporalCIError('VIDEO_INVALID', message, { hint, file });
}

/** Encoders need even sides (src/video/encode.ts pads to 2), so the input size is padded to both. */
function inputSize(w: number, h: number, multiple: number | undefined): { width: number; height: number } {
  const m = multiple ?? 1;
  const p = padSizeToMultiple(w, h, m % 2 === 0 ? m : 2 * m);
  return { width: p.width, height: p.height };
}

/** `sourcePath`: where the task's source is on this machine. */
export async function planReference(task: ReferenceTask, sourcePath: string): Promise<ReferencePlan> {
  const source = await probeVideo(sourcePath);
  const { width, height, fps } = source;
  if (task.kind === 'interpolation') {
    const k = task.dropEvery;
    // The last truth frame must be a kept one: an interpolator cannot extrapolate past its last input.
    const frames = 1 + k * Math.floor((source.frameCount - 1) / k);
    if (frames < k + 1) {
      throw mismatch(
        `${sourcePath}: ${source.frameCount} frame(s) is too short for drop_every ${k}`,
        `a source needs at least ${k + 1} frames`,
        sourcePath,
      );
    }
    const padded = inputSize(width, height, task.padMultiple);
    return {
      task,
      source,
      frames,
      fps,
      width,
      height,
      paddedWidth: padded.width,
      paddedHeight: padded.height,
      input: { frames: (frames - 1) / k + 1, fps: fps / k, width: padded.width, height: padded.height },
      scored: (i) => i % k !== 0,
    };
  }
  const s = task.scale;
  if (width % s !== 0 || height % s !== 0) {
    throw mismatch(
      `${sourcePath}: ${width}x${height} is not divisible by scale ${s}`,
      'crop or choose sources whose sides are multiples of the scale, so the truth size is exact',
      sourcePath,
    );
  }
  const small = inputSize(width / s, height / s, task.padMultiple);
  return {
    task,
    source,
    frames: source.frameCount,
    fps,
    width,
    height,
    paddedWidth: small.width * s,
    paddedHeight: small.height * s,
    input: { frames: source.frameCount, fps, width: small.width, height: small.height },
    scored: () => true,
  };
}

/**
 * Writes the model's input: the kept frames (interpolation) or the downscaled frames (upscale, ffmpeg's
 * `area` filter through decodeFrames), padded on the right/bottom by edge replication to the computed size.
 */
export async function makeReferenceInput(
  plan: ReferencePlan,
  output: string,
  signal?: AbortSignal,
): Promise<void> {
  const { task, input } = plan;
  const decodeSize =
    task.kind === 'upscale'
      ? { width: plan.width / task.scale, height: plan.height / task.scale }
      : { width: plan.width, height: plan.height };
  async function* frames(): AsyncGenerator<Uint8Array> {
    for await (const f of decodeFrames(plan.source.path, { format: 'rgb24', ...decodeSize, signal })) {
      if (f.index >= plan.frames) break;
      if (task.kind === 'interpolation' && f.index % task.dropEvery !== 0) continue;
      yield padFrame(f.data, f.width, f.height, 3, input.width, input.height);
    }
  }
  // Near-lossless, so what the model is judged on is its own work and not the input's coding noise.
  await encodeFrames(frames(), { output, width: input.width, height: input.height, fps: input.fps, crf: 4 });
}

/** Frame count, fps and size of the model's output against the plan; returns whether it must be cropped. */
export function checkReferenceOutput(info: VideoInfo, plan: ReferencePlan): { crop: boolean } {
  const what = `model output ${info.path}`;
  const want = `${plan.frames} frames at ${plan.fps} fps, ${plan.width}x${plan.height}`;
  if (info.frameCount !== plan.frames) {
    throw mismatch(
      `${what} has ${info.frameCount} frame(s), the reference has ${plan.frames}`,
      `the model must output ${want} (for interpolation: every kept input frame plus the frames in between)`,
    );
  }
  if (Math.abs(info.fps - plan.fps) > FPS_TOLERANCE * plan.fps) {
    throw mismatch(`${what} is ${info.fps} fps, the reference is ${plan.fps} fps`, `output ${want}`);
  }
  if (info.width === plan.width && info.height === plan.height) return { crop: false };
  if (info.width === plan.paddedWidth && info.height === plan.paddedHeight) return { crop: true };
  throw mismatch(
    `${what} is ${info.width}x${info.height}, the reference is ${plan.width}x${plan.height}` +
      (plan.paddedWidth !== plan.width || plan.paddedHeight !== plan.height
        ? ` (padded: ${plan.paddedWidth}x${plan.paddedHeight})`
        : ''),
    `output ${want}`,
  );
}

/**
 * The truth, decoded in lockstep with the measured video. `frames()` yields the measured frames (cropped
 * back from the padded size when needed) and, before each, advances the truth to the same index, so metrics
 * calling `frameAt(i)` synchronously get the matching truth frame.
 *
 * Both sides carry their stored planes for the plane-exact ssim/psnr: the truth's as the file stores them,
 * the measured video's in the truth's layout (its own when they agree, as they do for two yuv420p files;
 * otherwise ffmpeg converts the measured side, as its ssim filter would have to).
 */
export class TruthStream implements ReferenceFrames {
  /** Per metric, per frame index: the value `record` was given (for the per-frame report). */
  readonly perFrame = new Map<string, Map<number, number>>();
  private current: FrameView | undefined;

  constructor(
    private readonly truthPath: string,
    private readonly truthFrames: number,
    private readonly scoredAt: (index: number) => boolean,
    private readonly crop: { width: number; height: number } | undefined,
  ) {}

  frameAt(index: number): FrameView | undefined {
    if (!this.scoredAt(index) || this.current?.index !== index) return undefined;
    return this.current;
  }

  record(metric: string, index: number, value: number): void {
    const m = this.perFrame.get(metric) ?? new Map<number, number>();
    this.perFrame.set(metric, m);
    m.set(index, value);
  }

  /** `{ "psnr": [[index, value], ...], ... }` in frame order. */
  perFrameJson(): Record<string, [number, number | null][]> {
    const out: Record<string, [number, number | null][]> = {};
    for (const [metric, m] of this.perFrame) {
      out[metric] = [...m].map(([i, v]) => [i, Number.isFinite(v) ? v : null]);
    }
    return out;
  }

  async *frames(measured: string, signal?: AbortSignal): AsyncGenerator<FrameView> {
    const planes = planeFormatFor((await probeHeader(this.truthPath)).pixelFormat).format;
    const truth = decodeFrameViews(this.truthPath, { signal, planes });
    let count = 0;
    try {
      for await (const frame of decodeFrameViews(measured, { signal, planes })) {
        if (count >= this.truthFrames) throw this.countError(`more than ${this.truthFrames}`);
        const t = await truth.next();
        if (t.done === true) throw this.countError(`more than ${count}`);
        this.current = t.value;
        count++;
        yield this.crop === undefined ? frame : cropView(frame, this.crop.width, this.crop.height);
      }
      if (count !== this.truthFrames) throw this.countError(String(count));
    } finally {
      this.current = undefined;
      await truth.return(undefined);
    }
  }

  private countError(got: string): TemporalCIError {
    return mismatch(
      `the measured video decoded to ${got} frame(s), the reference ${this.truthPath} has ${this.truthFrames}`,
      'frame counts must match exactly: check that the model neither drops nor duplicates frames',
    );
  }
}

/** The top-left width×height of a frame, its rgb24 and its stored planes alike. */
function cropView(frame: FrameView, width: number, height: number): FrameView {
  const data = cropFrame(frame.rgb, frame.width, frame.height, 3, width, height);
  const planes = frame.hasStoredPlanes ? cropPlanes(frame.planes, width, height) : undefined;
  return new FrameView({ index: frame.index, width, height, format: 'rgb24', data }, planes);
}
