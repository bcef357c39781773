/**
 * dynamic_degree's flow: cost per compared pair and accuracy on pans of known speed, against the flow it
 * replaced (coarse-to-fine bilateral block matching, whole-pixel d, flow 2d in 2-px steps). Both sides run on
 * the same frames, interleaved, in one run; per-pair time covers everything the metric does per pair (resize
 * to a 256 px shorter side, pyramids, search, refinement). Pans: test/unit/metrics/pan-clips.ts (textured
 * still, new content entering at the edge), 20 fps, frame step 2, so the truth at the working size is v px.
 *
 *   npx tsx bench/flow.ts
 */
import { fileURLToPath } from 'node:url';
import { pairTopFlow } from '../src/metrics/dynamic-degree.js';
import { buildLumaPyramid, estimateBilateralMotion } from '../src/metrics/kernels/block-match.js';
import { resizeBilinear, sizeWithMinSide } from '../src/metrics/kernels/image.js';
import type { FrameView } from '../src/video/frame-view.js';
import { panClip } from '../test/unit/metrics/pan-clips.js';
import { printResults } from './print.js';
import type { BenchResult } from './types.js';

const REPEATS = 5;

/** The replaced statistic (commit 92caf23's dynamic-degree.ts): top 5 % of 2·|d| over bilateral blocks. */
function oldTopFlow(a: FrameView, b: FrameView): number {
  const t = sizeWithMinSide(a.width, a.height, 256);
  const ya = resizeBilinear(a.luma, a.width, a.height, t.width, t.height);
  const yb = resizeBilinear(b.luma, b.width, b.height, t.width, t.height);
  const f = estimateBilateralMotion(
    buildLumaPyramid(ya, t.width, t.height),
    buildLumaPyramid(yb, t.width, t.height),
  );
  const mags = Float64Array.from(f.dx, (dx, i) => 2 * Math.hypot(dx, f.dy[i]!)).sort();
  const k = Math.max(1, Math.round(mags.length * 0.05));
  let s = 0;
  for (let i = mags.length - k; i < mags.length; i++) s += mags[i]!;
  return s / k;
}

function bestMs(run: () => number): { ms: number; value: number } {
  let best = Number.POSITIVE_INFINITY;
  let value = 0;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    value = run();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, value };
}

export async function benchFlow(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const cases: [number, number, number][] = [
    [512, 512, 0.5],
    [512, 512, 5],
    [512, 512, 16],
    [768, 512, 10],
  ];
  for (const [w, h, v] of cases) {
    // Two compared frames (0 and 2 at 20 fps); the truth at the working size is v·2·256/min(w, h).
    const clip = panClip(w, h, 3, (t) => v * t);
    const a = clip[0]!;
    const b = clip[2]!;
    const truth = (2 * v * 256) / Math.min(w, h);
    const now = bestMs(() => pairTopFlow(a, b).top);
    const old = bestMs(() => oldTopFlow(a, b));
    rows.push({
      name: `${w}x${h} pan ${v} px/frame: time per pair`,
      value: now.ms,
      unit: 'ms',
      reference: old.ms,
      ratio: now.ms / old.ms,
      note: 'reference: the replaced whole-pixel bilateral flow',
    });
    rows.push({
      name: `${w}x${h} pan ${v} px/frame: |top-5% flow - truth ${truth}|`,
      value: Math.abs(now.value - truth),
      unit: 'px',
      reference: Math.abs(old.value - truth),
      ratio: Math.abs(now.value - truth) / Math.max(1e-9, Math.abs(old.value - truth)),
      note: `new ${now.value.toFixed(3)}, old ${old.value.toFixed(3)}`,
    });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printResults(
    'dynamic_degree flow: sub-pixel LK on reliable blocks vs the replaced bilateral flow',
    await benchFlow(),
  );
}
