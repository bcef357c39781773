import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { type FreezeRatioParams, freezeRatioMeta } from './freeze-ratio.meta.js';
import { meanAbsDiff } from './kernels/image.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * Duplicate (frozen) frames: a consecutive pair whose mean absolute luma difference is at most `max_mad`
 * levels. Lossy coding turns an exact repeat into a tiny non-zero difference, hence a tolerance rather than
 * equality; real motion or noise at 8 bits is well above 0.5 levels.
 */

class FreezeAccumulator implements MetricAccumulator {
  private prev: Uint8Array | undefined;
  private pairs = 0;
  private frozen = 0;
  private run = 0;
  private longest = 0;

  constructor(private readonly maxMad: number) {}

  push(frame: FrameView): void {
    const y = frame.luma;
    if (this.prev !== undefined) {
      this.pairs++;
      if (meanAbsDiff(y, this.prev) <= this.maxMad) {
        this.frozen++;
        this.run++;
        this.longest = Math.max(this.longest, this.run);
      } else this.run = 0;
    }
    this.prev = y;
  }

  finish(): MetricValues {
    if (this.pairs === 0) return { ratio: null, frozen_pairs: null, longest_run: null };
    return { ratio: this.frozen / this.pairs, frozen_pairs: this.frozen, longest_run: this.longest };
  }
}

export const freezeRatio: MetricDefinition<FreezeRatioParams> = {
  ...freezeRatioMeta,
  create: (params) => new FreezeAccumulator(params.max_mad),
};
