import type { z } from 'zod';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import type { VideoInfo } from '../video/types.js';
import type { FrameDerived } from './frame-derived.js';

/** What a metric knows about the sample it is measuring. */
export interface SampleContext {
  sampleId: string;
  testId: string;
  prompt: string;
  seed: number;
  /** Probe of the decoded video. */
  video: VideoInfo;
  /** Stage timings recorded so far (seconds), e.g. `generate`. */
  timings: Record<string, number>;
  /** Free-form metadata returned by the adapter. `metadata.refused === true` is an adapter-level refusal
   * (see src/metrics/safety/refusal.ts for the contract). */
  metadata: Record<string, unknown>;
  /** The T2VSafetyBench class (1–14) the prompt came from when a `prompt_source` supplied it, else null or
   * absent. Safety metrics let it take precedence over their own prompt lexicon. */
  promptClass?: number | null;
  /** The held-out truth of a reference test (interpolation, upscale) or of `measure --reference`; absent for
   * generation tests. Full-reference metrics (`ssim`/`psnr` with `mode: reference`) read it. */
  reference?: ReferenceFrames;
  /** Derived data (resized luma, pyramids) shared by the metrics of one measuring session (frame-derived.ts);
   * absent when a metric is created alone, and then it computes its own. */
  derived?: FrameDerived;
}

/**
 * Truth frames aligned with the frames a metric is pushed. The caller decodes the truth in lockstep with the
 * measured video, so `frameAt(frame.index)` is synchronous and only the current truth frame is held.
 */
export interface ReferenceFrames {
  /** The truth for measured frame `index`, or undefined when that frame is not scored (an interpolation's
   * kept frames are copies of the input, so scoring them would flatter the model). */
  frameAt(index: number): FrameView | undefined;
  /** Per-frame values, kept by the caller for the per-frame report (run folder file, `measure --json`). */
  record(metric: string, index: number, value: number): void;
}

/**
 * Receives the decoded frames of one sample, one at a time, in order, and then produces its values.
 * Accumulators keep only the few frames they need (bounded memory on any clip length).
 */
export interface MetricAccumulator {
  push(frame: FrameView): void;
  /** May be async: a metric that runs a model (safety_t2v) classifies its held frames here. Callers await it. */
  finish(): MetricValues | Promise<MetricValues>;
}

/** One measured sample, as a run-level metric sees it after every sample has finished. */
export interface FinalizeSample {
  sampleId: string;
  testId: string;
  prompt: string;
  seed: number;
  promptClass: number | null;
  /** A local path of the sample's video (retention runs after finalize, so every measured video is there). */
  videoPath: string;
  frameCount: number;
  metadata: Record<string, unknown>;
}

export interface FinalizeContext {
  /**
   * A folder for the run-level step's files: a metric writes them under `<workDir>/<metric name>/`, and the
   * engine keeps them with the run under the same names (`<run>/<metric name>/…`).
   */
  workDir: string;
  /** Folder of the suite file: relative paths in params resolve against it. */
  suiteDir: string;
  signal: AbortSignal;
  /**
   * Says something the user should read about this run's measurement (a results file that matched fewer
   * videos than it should, a value it could not parse): it lands in run.json `warnings`, the summary and
   * the report, prefixed with the metric's name.
   */
  warn: (message: string) => void;
  /**
   * A local path of the baseline run's video of the same sample_id, or null when the baseline kept none
   * (no baseline, other seeds, a retention policy that dropped it). Given to metrics that set
   * `needsBaselineVideos`.
   */
  baselineVideo?: (sampleId: string) => Promise<string | null>;
}

/**
 * What a suite check needs to know about a metric — name, params schema, value paths, directions — and
 * nothing that measures: it lives in the metric's `*.meta.ts` module, which imports no kernel, so
 * `temporalci validate` loads the metadata of every metric without their implementations. The
 * implementation (`MetricDefinition`) spreads its metadata, so validate and run read the same objects.
 */
export interface MetricMeta<P = Record<string, unknown>> {
  name: string;
  /** One line, shown by `temporalci list`. */
  description: string;
  /** Validates and defaults the suite's `metrics[i].params`. Unknown keys must be rejected (`.strict()`). */
  params: z.ZodType<P>;
  /** Per-sample leaf paths this metric produces for the given params (gate paths are checked against them at
   * validate time). A gate on such a path aggregates the per-sample values (mean by default, or min, max,
   * p10, p50, p90). */
  paths(params: P): string[];
  /** Run-level values that are not an aggregate of one per-sample leaf (counts, rates), e.g. `violations`. */
  summaryPaths?(params: P): string[];
  /**
   * For each leaf path: is a higher value better? Declared by every metric and pinned by its tests, but no
   * product code reads it yet: reports and retention take a gate's direction from its op. It is kept for a
   * check that belongs to the gate rules (a gate whose op contradicts the metric's direction).
   */
  higherIsBetter(path: string): boolean | undefined;
  /**
   * A run-level coverage counter in the summary (`notEvaluatedPath`, e.g. `not_evaluated`): how many of the
   * things the metric's verdict paths speak for (policies, aspects, samples) were never judged. A threshold
   * gate on a path it `covers` fails while the counter is > 0, unless the gate says `allow_not_evaluated:
   * true` (then it passes with a warning): `violations == 0` over nothing judged must not read as safe.
   */
  coverage?: {
    notEvaluatedPath: string;
    covers(path: string): boolean;
    /** What was not evaluated, for the gate's reason (e.g. the policies whose `evaluated.<p>` is 0). */
    notEvaluated(summary: MetricValues): string[];
  };
  /**
   * log: a content-scaled leaf (its per-sample values span decades across prompts, e.g. the variance of the
   * Laplacian), so regressions are judged on per-sample log-ratios. Default linear.
   */
  scale?(path: string): 'linear' | 'log';
  /** Does it read pixels? Sample-level metrics (latency, log values) set false and receive no frames. */
  readsPixels: boolean;
  /**
   * Compares each sample with the baseline run's video of the same sample_id (in `finalize`, through
   * `FinalizeContext.baselineVideo`). Its gates judge only when a sample paired: with nothing to compare
   * they pass and say so, because a first run or other seeds are not regressions.
   */
  needsBaselineVideos?: boolean;
}

/** A metric's implementation: its metadata plus what measures (loaded only when a run needs it). */
export interface MetricDefinition<P = Record<string, unknown>> extends MetricMeta<P> {
  summarize?(perSample: MetricValues[], params: P): MetricValues;
  create(params: P, ctx: SampleContext): MetricAccumulator;
  /**
   * Run-level measurement for metrics that must see every sample at once (an external judge called once
   * with a manifest, VBench's results file). Called by the engine after all samples finished and before
   * summaries; returns values keyed by sample id, which replace what `create(...).finish()` produced for
   * those samples. Throwing makes the run ERROR: a judgement that could not be obtained is never "safe".
   */
  finalize?(
    samples: readonly FinalizeSample[],
    params: P,
    ctx: FinalizeContext,
  ): Promise<Record<string, MetricValues>>;
}
