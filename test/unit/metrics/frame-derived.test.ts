import { describe, expect, it } from 'vitest';
import { FrameDerived } from '../../../src/metrics/frame-derived.js';
import { buildLumaPyramid } from '../../../src/metrics/kernels/block-match.js';
import { resizeArea, resizeBilinear } from '../../../src/metrics/kernels/image.js';
import { FrameView } from '../../../src/video/frame-view.js';
import { mulberry32 } from '../../support/synthetic.js';

/** The derived-data cache must return exactly the bytes the kernels return, and hold one frame at most. */

function noiseFrame(index: number, width: number, height: number, seed: number): FrameView {
  const rnd = mulberry32(seed);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(rnd() * 256);
  return new FrameView({ index, width, height, format: 'rgb24', data: rgb });
}

const planesOf = (p: readonly { data: Uint8Array; width: number; height: number }[]) =>
  p.map((l) => ({ width: l.width, height: l.height, data: [...l.data] }));

describe('FrameDerived', () => {
  it('an exact half is the same bytes by bilinear, area and the pyramid (the identity sharing relies on)', () => {
    for (const [w, h, seed] of [
      [512, 512, 1],
      [64, 36, 2],
      [130, 34, 3],
    ] as const) {
      const f = noiseFrame(0, w, h, seed);
      const bilinear = resizeBilinear(f.luma, w, h, w / 2, h / 2);
      expect([...resizeArea(f.luma, w, h, w / 2, h / 2)]).toEqual([...bilinear]);
      expect([...buildLumaPyramid(f.luma, w, h)[1]!.data]).toEqual([...bilinear]);
    }
  });

  it('returns what the resize kernels return, for either filter, halves and other sizes', () => {
    for (const [w, h, tw, th] of [
      [512, 512, 256, 256],
      [100, 60, 50, 30],
      [101, 61, 40, 24],
      [96, 64, 384, 256],
      [97, 64, 97, 64],
    ] as const) {
      for (const filter of ['bilinear', 'area'] as const) {
        if (filter === 'area' && tw > w) continue;
        const f = noiseFrame(0, w, h, w + h);
        const kernel = (filter === 'area' ? resizeArea : resizeBilinear)(f.luma, w, h, tw, th);
        expect([...new FrameDerived().luma(f, tw, th, filter)]).toEqual([...kernel]);
      }
    }
  });

  it('builds the default pyramid exactly, on even, odd and tiny frames', () => {
    for (const [w, h] of [
      [512, 512],
      [256, 192],
      [97, 65],
      [64, 30],
      [34, 34],
      [30, 30],
    ] as const) {
      const f = noiseFrame(0, w, h, w * h);
      expect(planesOf(new FrameDerived().pyramid(f))).toEqual(planesOf(buildLumaPyramid(f.luma, w, h)));
    }
  });

  it('serves one frame from the cache, a half once for every filter and the pyramid', () => {
    const d = new FrameDerived();
    const f = noiseFrame(0, 128, 96, 7);
    const a = d.luma(f, 64, 48, 'area');
    expect(d.luma(f, 64, 48, 'bilinear')).toBe(a);
    expect(d.pyramid(f)[1]!.data).toBe(a);
    expect(d.pyramid(f)).toBe(d.pyramid(f));
    expect(d.hits).toBe(4);
    // A size that is not a half is keyed by filter: area and bilinear differ there.
    expect(d.luma(f, 50, 37, 'area')).not.toBe(d.luma(f, 50, 37, 'bilinear'));
    expect(d.luma(f, 128, 96, 'area')).toBe(f.luma);
  });

  it('drops a frame when the next arrives, and never serves one frame data of another of the same index', () => {
    const d = new FrameDerived();
    const f0 = noiseFrame(0, 64, 64, 1);
    const p0 = d.pyramid(f0);
    const f1 = noiseFrame(1, 64, 64, 2);
    expect(d.pyramid(f1)).not.toBe(p0);
    // f0 again: its entry was released, so it is rebuilt (identical bytes, a new object).
    const again = d.pyramid(f0);
    expect(again).not.toBe(p0);
    expect(planesOf(again)).toEqual(planesOf(p0));
    const truth = noiseFrame(0, 64, 64, 3);
    expect(planesOf(d.pyramid(truth))).toEqual(planesOf(buildLumaPyramid(truth.luma, 64, 64)));
    expect(d.hits).toBe(0);
  });
});
