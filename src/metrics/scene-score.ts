import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { FrameSizeGuard } from './ffmpeg-shared.js';
import { SceneDetect } from './kernels/ffmpeg/scdet.js';
import { type SceneScoreParams, sceneScoreMeta } from './scene-score.meta.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * ffmpeg's `scdet` filter (exact port, metrics.md §3.6) on BT.601 luma (what scdet compares for gray and
 * planar YUV input): score = clip(min(mafd, |mafd − prev_mafd|), 0, 100) per frame. As in the filter,
 * prev_mafd starts at 0, so frame 1 scores its whole mafd (a clip that starts moving fast scores there too).
 * `max` and `mean` are over frames 1…n−1 (frame 0 has nothing to compare); `cuts` counts scores ≥ threshold.
 */

class SceneScoreAccumulator implements MetricAccumulator {
  private readonly guard: FrameSizeGuard;
  private readonly detect = new SceneDetect();
  private frames = 0;
  private sum = 0;
  private max = 0;
  private cuts = 0;

  constructor(
    private readonly threshold: number,
    sampleId: string,
  ) {
    this.guard = new FrameSizeGuard('scene_score', sampleId);
  }

  push(frame: FrameView): void {
    this.guard.check(frame);
    const { score } = this.detect.push(frame.luma);
    if (this.frames++ === 0) return;
    this.sum += score;
    if (score > this.max) this.max = score;
    if (score >= this.threshold) this.cuts++;
  }

  finish(): MetricValues {
    if (this.frames < 2) return { max: null, mean: null, cuts: null };
    return { max: this.max, mean: this.sum / (this.frames - 1), cuts: this.cuts };
  }
}

export const sceneScore: MetricDefinition<SceneScoreParams> = {
  ...sceneScoreMeta,
  create: (params, ctx) => new SceneScoreAccumulator(params.threshold, ctx.sampleId),
};
