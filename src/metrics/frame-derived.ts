/**
 * Data several pixel metrics derive from the same frame (resized luma planes, the full-resolution luma
 * pyramid), computed once per frame and shared by every metric of a measuring session (one per in-thread
 * session in measure-stream.ts, one per worker session in worker/worker.ts; SampleContext.derived).
 *
 * Only computations that are byte-identical today are shared, so no metric value changes:
 * - the luma plane itself is FrameView's own cache (one BT.601 luma per frame object);
 * - a plane resized to exactly half of an even-sized luma is the same bytes whichever way it is made:
 *   resizeBilinear at factor 2 samples the 2×2 mean with weights ½ (exact in floating point) and rounds half
 *   up, resizeArea's `halve` and the pyramid's 2× downsample compute (a + b + c + d + 2) >> 2 — so
 *   sharpness's 256-px bilinear plane, dynamic_degree's 256-px area plane and level 1 of the full-resolution
 *   pyramid are one plane on a 512-px clip (test/unit/metrics/frame-derived.test.ts checks the identity);
 * - other resizes are shared only between requests for the same filter and size.
 *
 * Memory: metrics keep what they need of a frame themselves (previous planes, pyramids), so the cache holds
 * the entry of the latest frame only and drops it when a frame with another index arrives: it never holds
 * more than one frame's derived data beyond what the metrics already hold.
 */
import type { FrameView } from '../video/frame-view.js';
import { buildLumaPyramid, DEFAULT_BLOCK_MATCH, type LumaPyramid } from './kernels/block-match.js';
import { resizeArea, resizeBilinear } from './kernels/image.js';

export type ResizeFilter = 'bilinear' | 'area';

/** The default pyramid's rule for adding a level, read from the kernel so the two never drift apart. */
const { levels: PYRAMID_LEVELS, minLevelSize: MIN_LEVEL_SIZE } = DEFAULT_BLOCK_MATCH;

interface Entry {
  frame: FrameView;
  planes: Map<string, Uint8Array>;
  pyramid: LumaPyramid | undefined;
}

/** Per-frame derived data shared by the metrics of one session. */
export class FrameDerived {
  private entry: Entry | undefined;
  /** How many planes or pyramids were served from the cache rather than computed (for tests and benches). */
  hits = 0;

  /** The entry of `frame`; another frame (next index, or a truth frame of the same index) replaces it. */
  private entryOf(frame: FrameView): Entry {
    const e = this.entry;
    if (e !== undefined && e.frame === frame) return e;
    // Releasing the previous entry here is what bounds the memory to one frame.
    this.entry = { frame, planes: new Map(), pyramid: undefined };
    return this.entry;
  }

  /** Luma resized to tw×th with `filter`: the bytes `filter`'s kernel returns (the frame's luma when equal). */
  luma(frame: FrameView, tw: number, th: number, filter: ResizeFilter): Uint8Array {
    const { width: w, height: h } = frame;
    if (tw === w && th === h) return frame.luma;
    const e = this.entryOf(frame);
    const key = isExactHalf(w, h, tw, th) ? 'half' : `${filter}:${tw}x${th}`;
    const cached = e.planes.get(key);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    const resize = filter === 'area' ? resizeArea : resizeBilinear;
    const plane = resize(frame.luma, w, h, tw, th);
    e.planes.set(key, plane);
    return plane;
  }

  /** buildLumaPyramid(frame.luma, width, height) with the default options, built once per frame. */
  pyramid(frame: FrameView): LumaPyramid {
    const e = this.entryOf(frame);
    if (e.pyramid !== undefined) {
      this.hits++;
      return e.pyramid;
    }
    const { width: w, height: h } = frame;
    // Level 1 is an exact half when the frame is even-sized: take it from (or give it to) the shared planes,
    // and let the kernel build the levels below it with the rule it would have applied.
    const canHalve = w % 2 === 0 && h % 2 === 0 && Math.min(w >> 1, h >> 1) >= MIN_LEVEL_SIZE;
    if (!canHalve) e.pyramid = buildLumaPyramid(frame.luma, w, h);
    else {
      const half = this.luma(frame, w >> 1, h >> 1, 'area');
      const below = buildLumaPyramid(half, w >> 1, h >> 1, { levels: PYRAMID_LEVELS - 1 });
      e.pyramid = [{ data: frame.luma, width: w, height: h }, ...below];
    }
    return e.pyramid;
  }
}

/** tw×th is exactly half of an even-sized w×h, where every 2× shrink gives the same bytes. */
function isExactHalf(w: number, h: number, tw: number, th: number): boolean {
  return w === 2 * tw && h === 2 * th;
}

/** The session's cache, or a private one (a metric created outside a measuring session computes alone). */
export function derivedOf(shared: FrameDerived | undefined): FrameDerived {
  return shared ?? new FrameDerived();
}
