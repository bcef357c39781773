import { describe, expect, it } from 'vitest';
import { cropFrame, padFrame, padSizeToMultiple } from '../../../src/video/geometry.js';

describe('padSizeToMultiple', () => {
  it('pads 70x45 to multiples of 64 as 128x64', () => {
    expect(padSizeToMultiple(70, 45, 64)).toEqual({ width: 128, height: 64, padRight: 58, padBottom: 19 });
  });
  it('adds nothing to an aligned size', () => {
    expect(padSizeToMultiple(128, 64, 64)).toEqual({ width: 128, height: 64, padRight: 0, padBottom: 0 });
    expect(padSizeToMultiple(72, 46, 2)).toEqual({ width: 72, height: 46, padRight: 0, padBottom: 0 });
  });
  it('makes odd sizes even', () => {
    expect(padSizeToMultiple(71, 45, 2)).toEqual({ width: 72, height: 46, padRight: 1, padBottom: 1 });
    expect(padSizeToMultiple(1, 1, 2)).toEqual({ width: 2, height: 2, padRight: 1, padBottom: 1 });
  });
  it('stays exact for large sizes', () => {
    expect(padSizeToMultiple(2 ** 40 + 1, 3, 32).width).toBe(2 ** 40 + 32);
  });
  it('rejects invalid arguments', () => {
    expect(() => padSizeToMultiple(0, 10, 2)).toThrow(/width/);
    expect(() => padSizeToMultiple(10, 1.5, 2)).toThrow(/height/);
    expect(() => padSizeToMultiple(10, 10, 0)).toThrow(/multiple/);
    expect(() => padSizeToMultiple(Number.NaN, 10, 2)).toThrow(/width/);
  });
});

describe('padFrame / cropFrame', () => {
  // 3x2 rgb frame with distinct values per byte.
  const src = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i + 1);

  it('replicates the last column and row', () => {
    const out = padFrame(src, 3, 2, 3, 5, 3);
    const px = (x: number, y: number): number[] =>
      Array.from(out.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3));
    const spx = (x: number, y: number): number[] =>
      Array.from(src.subarray((y * 3 + x) * 3, (y * 3 + x) * 3 + 3));
    expect(out.length).toBe(5 * 3 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) expect(px(x, y)).toEqual(spx(x, y));
    expect(px(3, 0)).toEqual(spx(2, 0));
    expect(px(4, 1)).toEqual(spx(2, 1));
    for (let x = 0; x < 5; x++) expect(px(x, 2)).toEqual(px(x, 1));
  });

  it('round-trips through crop, single channel and rgb', () => {
    const gray = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 37) % 256);
    expect(cropFrame(padFrame(gray, 7, 5, 1, 8, 6), 8, 6, 1, 7, 5)).toEqual(gray);
    expect(cropFrame(padFrame(src, 3, 2, 3, 64, 64), 64, 64, 3, 3, 2)).toEqual(src);
  });

  it('returns a fresh buffer even without padding', () => {
    const out = padFrame(src, 3, 2, 3, 3, 2);
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
  });

  it('crops the top-left region', () => {
    expect(Array.from(cropFrame(src, 3, 2, 3, 1, 2))).toEqual([1, 2, 3, 10, 11, 12]);
    expect(Array.from(cropFrame(src, 3, 2, 3, 3, 1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('rejects wrong buffers and impossible targets', () => {
    expect(() => padFrame(src, 3, 3, 3, 4, 4)).toThrow(/expected 27/);
    expect(() => padFrame(src, 3, 2, 3, 2, 2)).toThrow(/cannot pad/);
    expect(() => cropFrame(src, 3, 2, 3, 4, 2)).toThrow(/cannot crop/);
  });
});
