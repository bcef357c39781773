import { TemporalCIError } from '../errors.js';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';
import { derivedOf, type FrameDerived } from './frame-derived.js';
import { consistencyTerm, type FrameFeatures, frameFeatures } from './kernels/features.js';
import { interpolateBilateral, type LumaPyramid, reconstructionMad } from './kernels/interpolate.js';
import { madToScore, sumAbsDiff } from './kernels/mad.js';
import type { MetricAccumulator, MetricDefinition } from './types.js';
import {
  type VbenchTemporalDim,
  type VbenchTemporalParams,
  vbenchTemporalMeta,
} from './vbench-temporal.meta.js';

export type { VbenchTemporalParams } from './vbench-temporal.meta.js';

/**
 * VBench's temporal dimensions, measured from decoded pixels with no model weights (metrics.md §1.4, §3).
 * - temporal_flicker: VBench's exact temporal_flickering formula (without VBench's RAFT static filter, so
 *   motion lowers it as much as flicker does — gate it on clips meant to be static).
 * - motion_smoothness: VBench's construction (drop odd frames, re-synthesise them, MAD) with a weight-free
 *   bilateral block-matching interpolator instead of AMT-S: a stand-in, not VBench's numbers.
 * - subject_consistency: VBench's first/previous-frame cosine combination on hand-made features (luma
 *   layout + colour histogram) instead of DINO: a stand-in.
 * - score: the plain mean of the requested dims, not VBench's min/max-normalised, weighted aggregate.
 */

/** Integer Σ|I_t − I_{t−1}| per pair, averaged as VBench does (mean over pairs of the per-pair MAD). */
class FlickerState {
  private prev: Uint8Array | undefined;
  private madSum = 0;
  private pairs = 0;

  push(frame: FrameView): void {
    if (this.prev !== undefined) {
      this.madSum += sumAbsDiff(this.prev, frame.rgb) / frame.rgb.length;
      this.pairs++;
    }
    this.prev = frame.rgb;
  }

  value(): number | null {
    return this.pairs === 0 ? null : madToScore(this.madSum / this.pairs);
  }
}

/**
 * Keeps I_{2k} (with its luma pyramid, reused as I0 of the next triple) and I_{2k+1}; on I_{2k+2} scores the
 * triple. With an even frame count the last odd frame has no right neighbour and is dropped, as in VBench.
 */
class SmoothnessState {
  private count = 0;
  private even: FrameView | undefined;
  private evenPyramid: LumaPyramid | undefined;
  private odd: FrameView | undefined;
  private scratch: Uint8Array | undefined;
  private madSum = 0;
  private triples = 0;

  constructor(private readonly derived: FrameDerived) {}

  push(frame: FrameView): void {
    const t = this.count++;
    if (t % 2 === 1) {
      this.odd = frame;
      return;
    }
    const pyramid = this.derived.pyramid(frame);
    if (this.even !== undefined && this.odd !== undefined && this.evenPyramid !== undefined) {
      if (this.scratch?.length !== frame.rgb.length) this.scratch = new Uint8Array(frame.rgb.length);
      const hat = interpolateBilateral(
        this.even,
        frame,
        {},
        { out: this.scratch, pyramid0: this.evenPyramid, pyramid2: pyramid },
      );
      this.madSum += reconstructionMad(hat, this.odd.rgb);
      this.triples++;
    }
    this.even = frame;
    this.evenPyramid = pyramid;
    this.odd = undefined;
  }

  value(): number | null {
    return this.triples === 0 ? null : madToScore(this.madSum / this.triples);
  }
}

class ConsistencyState {
  private first: FrameFeatures | undefined;
  private prev: FrameFeatures | undefined;
  private sum = 0;
  private terms = 0;

  push(frame: FrameView): void {
    const cur = frameFeatures(frame);
    if (this.first === undefined || this.prev === undefined) {
      this.first = cur;
    } else {
      this.sum += consistencyTerm(this.first, this.prev, cur);
      this.terms++;
    }
    this.prev = cur;
  }

  value(): number | null {
    return this.terms === 0 ? null : this.sum / this.terms;
  }
}

class VbenchTemporalAccumulator implements MetricAccumulator {
  private readonly flicker: FlickerState | undefined;
  private readonly smoothness: SmoothnessState | undefined;
  private readonly consistency: ConsistencyState | undefined;
  private size: { width: number; height: number } | undefined;

  constructor(
    private readonly dims: readonly VbenchTemporalDim[],
    private readonly sampleId: string,
    derived: FrameDerived,
  ) {
    // Only the requested dims do any work or hold any frames.
    this.flicker = dims.includes('temporal_flicker') ? new FlickerState() : undefined;
    this.smoothness = dims.includes('motion_smoothness') ? new SmoothnessState(derived) : undefined;
    this.consistency = dims.includes('subject_consistency') ? new ConsistencyState() : undefined;
  }

  push(frame: FrameView): void {
    if (this.size === undefined) {
      this.size = { width: frame.width, height: frame.height };
    } else if (frame.width !== this.size.width || frame.height !== this.size.height) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `vbench_temporal: sample ${this.sampleId} frame ${frame.index} is ${frame.width}x${frame.height}, ` +
          `earlier frames were ${this.size.width}x${this.size.height}`,
        { hint: 'the decoder must deliver every frame of a sample at one size' },
      );
    }
    this.flicker?.push(frame);
    this.smoothness?.push(frame);
    this.consistency?.push(frame);
  }

  finish(): MetricValues {
    const dims: MetricValues = {};
    let sum = 0;
    let missing = false;
    for (const d of this.dims) {
      const v = this.valueOf(d);
      dims[d] = v;
      if (v === null) missing = true;
      else sum += v;
    }
    return { score: missing ? null : sum / this.dims.length, dims };
  }

  private valueOf(d: VbenchTemporalDim): number | null {
    switch (d) {
      case 'temporal_flicker':
        return this.flicker?.value() ?? null;
      case 'motion_smoothness':
        return this.smoothness?.value() ?? null;
      case 'subject_consistency':
        return this.consistency?.value() ?? null;
    }
  }
}

export const vbenchTemporal: MetricDefinition<VbenchTemporalParams> = {
  ...vbenchTemporalMeta,
  create: (params, ctx) => new VbenchTemporalAccumulator(params.dims, ctx.sampleId, derivedOf(ctx.derived)),
};
