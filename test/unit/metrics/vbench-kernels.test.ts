import { describe, expect, it } from 'vitest';
import {
  featureSimilarity,
  frameFeatures,
  lumaThumbnail,
  rgbHistogram,
} from '../../../src/metrics/kernels/features.js';
import {
  buildLumaPyramid,
  estimateBilateralMotion,
  interpolateBilateral,
  interpolateLinearBlend,
} from '../../../src/metrics/kernels/interpolate.js';
import { madToScore, meanAbsDiff, sumAbsDiff } from '../../../src/metrics/kernels/mad.js';
import {
  bandLimitedTexture,
  mulberry32,
  panClip,
  shiftedFrame,
  solidFrame,
  staticClip,
} from '../../support/synthetic.js';

function randomBytes(n: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

describe('MAD kernel', () => {
  it('matches a naive reference on random data of awkward lengths', () => {
    for (const [n, seed] of [
      [1, 1],
      [7, 2],
      [3 * 17 * 13, 3],
      [3 * 256 * 256, 4],
    ] as const) {
      const a = randomBytes(n, seed);
      const b = randomBytes(n, seed + 100);
      let naive = 0;
      for (let i = 0; i < n; i++) naive += Math.abs(a[i]! - b[i]!);
      expect(sumAbsDiff(a, b)).toBe(naive);
      expect(meanAbsDiff(a, b)).toBe(naive / n);
    }
  });

  it('is exact at the extremes and symmetric', () => {
    const zeros = new Uint8Array(1000);
    const full = new Uint8Array(1000).fill(255);
    expect(sumAbsDiff(zeros, full)).toBe(255_000);
    expect(sumAbsDiff(full, zeros)).toBe(255_000);
    expect(meanAbsDiff(full, full)).toBe(0);
    expect(madToScore(0)).toBe(1);
    expect(madToScore(255)).toBe(0);
  });

  it('rejects buffers of different lengths', () => {
    expect(() => sumAbsDiff(new Uint8Array(3), new Uint8Array(4))).toThrow(RangeError);
  });
});

describe('interpolators', () => {
  const tex = bandLimitedTexture({ width: 128, height: 96, seed: 7 });

  it('linear blend rounds half up byte-wise', () => {
    const out = interpolateLinearBlend(Uint8Array.of(0, 1, 254, 10), Uint8Array.of(0, 2, 255, 20));
    expect([...out]).toEqual([0, 2, 255, 15]);
  });

  it('bilateral interpolation of a static pair is exact (the zero vector wins ties)', () => {
    const [a, b] = staticClip(tex, 2);
    expect(sumAbsDiff(interpolateBilateral(a!, b!), a!.rgb)).toBe(0);
  });

  /** Bytes of `hat` that differ from `truth` at least `margin` px away from every border. */
  function interiorMismatches(
    hat: Uint8Array,
    truth: Uint8Array,
    w: number,
    h: number,
    margin: number,
  ): number {
    let bad = 0;
    for (let y = margin; y < h - margin; y++) {
      for (let i = (y * w + margin) * 3; i < (y * w + w - margin) * 3; i++) if (hat[i] !== truth[i]) bad++;
    }
    return bad;
  }

  it.each([
    ['x', 4],
    ['y', 2],
    ['xy', 3],
  ] as const)(
    'recovers the half-displacement of a %s pan at %i px/frame and reconstructs the interior exactly',
    (axis, v) => {
      const [f0, f1, f2] = panClip(tex, 3, v, { axis });
      const field = estimateBilateralMotion(
        buildLumaPyramid(f0!.luma, 128, 96),
        buildLumaPyramid(f2!.luma, 128, 96),
      );
      // shiftedFrame moves content left/up as the pan advances, so I0(x − d) = I2(x + d) for d = −v.
      const ex = axis === 'y' ? 0 : -v;
      const ey = axis === 'x' ? 0 : -v;
      // Blocks away from the borders (no clamped reads) must carry exactly the pan vector.
      for (let j = 1; j < field.blocksY - 1; j++) {
        for (let i = 1; i < field.blocksX - 1; i++) {
          expect([field.dx[j * field.blocksX + i], field.dy[j * field.blocksX + i]]).toEqual([ex, ey]);
        }
      }
      expect(interiorMismatches(interpolateBilateral(f0!, f2!), f1!.rgb, 128, 96, 8)).toBe(0);
    },
  );

  it('the pyramid reaches 8 and 12 px/frame diagonal pans at 512 px', () => {
    const big = bandLimitedTexture({ width: 512, height: 512, seed: 3 });
    for (const v of [8, 12]) {
      const [f0, f1, f2] = panClip(big, 3, v, { axis: 'xy' });
      // Only strips of width |d| = v along the borders read clamped (invented) content.
      expect(interiorMismatches(interpolateBilateral(f0!, f2!), f1!.rgb, 512, 512, v + 8)).toBe(0);
      expect(meanAbsDiff(interpolateLinearBlend(f0!.rgb, f2!.rgb), f1!.rgb)).toBeGreaterThan(10);
    }
  });

  it('rejects frames of different sizes', () => {
    expect(() =>
      interpolateBilateral(solidFrame(0, 8, 8, [1, 2, 3]), solidFrame(1, 8, 9, [1, 2, 3])),
    ).toThrow(RangeError);
  });
});

describe('consistency features', () => {
  const tex = bandLimitedTexture({ width: 96, height: 80, seed: 11 });

  it('identical frames have similarity 1; flat frames compare by colour only', () => {
    const f = frameFeatures(shiftedFrame(tex, 0, 0, 0));
    expect(featureSimilarity(f, f)).toBeCloseTo(1, 12);
    const grey = frameFeatures(solidFrame(0, 96, 80, [100, 100, 100]));
    expect(grey.flat).toBe(true);
    expect(featureSimilarity(grey, grey)).toBeCloseTo(1, 12);
    // Flat against textured: layout half 0, and the colour halves barely overlap.
    expect(featureSimilarity(grey, f)).toBeLessThan(0.5);
  });

  it('the layout half ignores a global brightness offset', () => {
    const a = frameFeatures(shiftedFrame(tex, 0, 0, 0));
    const b = frameFeatures(shiftedFrame(tex, 1, 0, 0, 4));
    let dot = 0;
    for (let i = 0; i < a.layout.length; i++) dot += a.layout[i]! * b.layout[i]!;
    expect(dot).toBeCloseTo(1, 9);
  });

  it('area-downsamples exactly when the grid divides the frame', () => {
    const luma = Uint8Array.from({ length: 64 * 64 }, (_, i) => ((i % 64) >> 1) * 2); // 0,0,2,2,4,4,…
    const thumb = lumaThumbnail(luma, 64, 64);
    expect(thumb.length).toBe(32 * 32);
    expect(thumb[0]).toBe(0);
    expect(thumb[5]).toBe(10);
  });

  it('histograms are unit length with mass in the right bin', () => {
    const h = rgbHistogram(Uint8Array.of(255, 0, 31, 255, 0, 31));
    expect(h[(7 << 6) | (0 << 3) | 0]).toBeCloseTo(1, 12);
  });
});
