import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { meanAbsDiff, rgbToHsv8 } from './kernels/image.js';
import { type SceneCutsParams, sceneCutsMeta } from './scene-cuts.meta.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';

/**
 * PySceneDetect's ContentDetector with its defaults (metrics.md §3.6): HSV with OpenCV 8-bit conventions,
 * content_val = mean of (mean|ΔH|, mean|ΔS|, mean|ΔV|) (weights 1, 1, 1, edges 0; hue difference not
 * circular, as there), cut when content_val ≥ threshold (27) and at least min_scene_len (15) frames since the
 * previous cut (or the start). The flash filter's "merge" mode is approximated by that minimum length.
 */

class SceneCutsAccumulator implements MetricAccumulator {
  private prev: { h: Uint8Array; s: Uint8Array; v: Uint8Array } | undefined;
  private lastCut = 0;
  private cuts = 0;
  private maxVal = 0;
  private frames = 0;

  constructor(private readonly p: SceneCutsParams) {}

  push(frame: FrameView): void {
    const hsv = rgbToHsv8(frame.rgb, frame.width * frame.height);
    if (this.prev !== undefined) {
      const val =
        (meanAbsDiff(hsv.h, this.prev.h) +
          meanAbsDiff(hsv.s, this.prev.s) +
          meanAbsDiff(hsv.v, this.prev.v)) /
        3;
      this.maxVal = Math.max(this.maxVal, val);
      if (val >= this.p.threshold && frame.index - this.lastCut >= this.p.min_scene_len) {
        this.cuts++;
        this.lastCut = frame.index;
      }
    }
    this.prev = hsv;
    this.frames++;
  }

  finish(): MetricValues {
    if (this.frames === 0) return { cuts: null, max_content_val: null };
    return { cuts: this.cuts, max_content_val: this.maxVal };
  }
}

export const sceneCuts: MetricDefinition<SceneCutsParams> = {
  ...sceneCutsMeta,
  create: (params) => new SceneCutsAccumulator(params),
};
