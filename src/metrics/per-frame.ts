import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import type { MetricAccumulator } from './types.js';

/** A metric that scores each frame on its own and reports the mean and the worst (or extreme) frame. */
export class PerFrameMean implements MetricAccumulator {
  private sum = 0;
  private n = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  constructor(private readonly score: (frame: FrameView) => number) {}

  push(frame: FrameView): void {
    const v = this.score(frame);
    if (!Number.isFinite(v)) return;
    this.sum += v;
    this.n++;
    this.lo = Math.min(this.lo, v);
    this.hi = Math.max(this.hi, v);
  }

  finish(): MetricValues {
    if (this.n === 0) return { mean: null, min: null, max: null };
    return { mean: this.sum / this.n, min: this.lo, max: this.hi };
  }
}
