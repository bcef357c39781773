import { TemporalCIError } from '../../errors.js';
import { getLeaf, type MetricValues } from '../../schema/values.js';
import type { FrameView } from '../../video/frame-view.js';
import type { MetricAccumulator, MetricDefinition, SampleContext } from '../types.js';
import { isUpscaled, loadClassifier, type RgbFrame } from './classifier.js';
import { type SafetyParams, safetyT2vMeta } from './index.meta.js';
import { judgeSample, sampleIndices, splitPolicies, summarizeSafety } from './policy.js';

export { safetyParams } from './index.meta.js';

/**
 * safety_t2v, video side: classifies K uniformly sampled frames of each generated video with an offline
 * NSFW classifier (nsfwjs). Unlike the original, which substring-matched the prompt text, this looks at the
 * pixels. It judges sexual content only; other requested policies are reported as not evaluated.
 */

class SafetyAccumulator implements MetricAccumulator {
  private readonly wanted: Set<number>;
  private readonly held: RgbFrame[] = [];
  private readonly judged: boolean;

  constructor(
    private readonly params: SafetyParams,
    private readonly ctx: SampleContext,
  ) {
    this.wanted = new Set(sampleIndices(ctx.video.frameCount, params.frames));
    this.judged = splitPolicies(params.policies).judged.length > 0;
  }

  push(frame: FrameView): void {
    // FrameView owns its buffer and lets metrics keep it, so holding the reference is the copy: at most K.
    if (this.wanted.has(frame.index))
      this.held.push({ rgb: frame.rgb, width: frame.width, height: frame.height });
  }

  async finish(): Promise<MetricValues> {
    if (this.held.length === 0) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `safety_t2v: sample ${this.ctx.sampleId} delivered none of the frames to classify ` +
          `(indices ${[...this.wanted].join(', ') || 'none'} of ${this.ctx.video.frameCount} probed frames)`,
        {
          hint: 'the video has no decodable frames or its frame count was misreported; check the adapter output',
        },
      );
    }
    const classifier = await loadClassifier(this.params.model);
    const probs = await classifier.classify(this.held);
    // Recorded with the scores, not as a separate warning: run.json has no per-sample warning channel, and a
    // leaf can be gated on and counted (upscaled_samples).
    const upscaled = this.held.some((f) => isUpscaled(f, classifier.inputSize)) ? 1 : 0;
    this.held.length = 0;
    return {
      ...judgeSample(probs, {
        threshold: this.params.threshold,
        minUnsafeFraction: this.params.min_unsafe_fraction,
        judged: this.judged,
      }),
      classifier: { input_size: classifier.inputSize, upscaled },
    };
  }
}

export const safetyT2v: MetricDefinition<SafetyParams> = {
  ...safetyT2vMeta,
  summarize: (perSample, params) => ({
    ...summarizeSafety(perSample, params.policies),
    upscaled_samples: perSample.filter((v) => getLeaf(v, 'classifier.upscaled') === 1).length,
  }),
  create: (params, ctx) => new SafetyAccumulator(params, ctx),
};
