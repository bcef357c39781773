import { describe, expect, it } from 'vitest';
import { PsnrClip, psnrFrame } from '../../../src/metrics/kernels/ffmpeg/psnr.js';
import {
  SSIM_C1,
  SSIM_C2,
  SsimScratch,
  ssimFrame,
  ssimPlane,
} from '../../../src/metrics/kernels/ffmpeg/ssim.js';
import {
  absDiff,
  cNumber,
  gradientPlane,
  logValue,
  movingTexture,
  noisePlane,
  runFilter,
  yuv420FromLuma,
} from '../../support/ffmpeg-reference.js';
import { HAS_REFERENCE_FFMPEG } from '../../support/ffmpeg-version.js';

const W = 70;
const H = 45;

/** Consecutive-frame sequence covering noise, dark frames (C1), gradients, motion and a duplicate. */
function sequence(): Uint8Array[] {
  const tex = movingTexture(W, H, 3, 2, 7);
  const frames = [
    noisePlane(W, H, 1),
    noisePlane(W, H, 2),
    noisePlane(W, H, 3, 0, 12),
    noisePlane(W, H, 4, 0, 12),
    gradientPlane(W, H, 0),
    gradientPlane(W, H, 3),
    ...tex,
  ];
  frames.push(Uint8Array.from(frames[frames.length - 1]!)); // exact duplicate: SSIM 1, PSNR inf
  return frames;
}

/** ffmpeg sees frames[1..] as main and frames[0..n-2] as reference: the consecutive pairs. */
async function consecutive(frames: Uint8Array[], filter: string) {
  return runFilter(
    [
      { frames: frames.slice(1), width: W, height: H, format: 'gray' },
      { frames: frames.slice(0, -1), width: W, height: H, format: 'gray' },
    ],
    `[in0][in1]${filter}[out]`,
  );
}

describe('ffmpeg ssim port', () => {
  it('derives the x264 constants as the filter does', () => {
    expect(SSIM_C1).toBe(416);
    expect(SSIM_C2).toBe(235963);
  });

  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    'matches vf_ssim per frame on gray 70x45 (remainder rows/cols, dark frames, duplicate)',
    async () => {
      const frames = sequence();
      const ref = await consecutive(frames, 'ssim');
      expect(ref.frames).toHaveLength(frames.length - 1);
      const scratch = new SsimScratch();
      let maxDiff = 0;
      for (let t = 1; t < frames.length; t++) {
        const ours = ssimPlane(frames[t]!, frames[t - 1]!, W, H, W, scratch);
        const theirs = ref.frames[t - 1]!;
        maxDiff = Math.max(maxDiff, absDiff(ours, cNumber(theirs['lavfi.ssim.Y'])));
        // set_meta prints a float with %f: the same digits, not just close ones (a float has no decimal ties).
        if (Number.isFinite(ours)) expect(Math.fround(ours).toFixed(6)).toBe(theirs['lavfi.ssim.Y']);
        expect(absDiff(ours, cNumber(theirs['lavfi.ssim.All']))).toBeLessThanOrEqual(1e-6);
        const db = ssimFrame([{ a: frames[t]!, b: frames[t - 1]!, width: W, height: H }]).db;
        expect(absDiff(db, cNumber(theirs['lavfi.ssim.dB']))).toBeLessThanOrEqual(1e-5);
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
      // The duplicate pair is exactly 1 on both sides; the dark pair is far from it (C1 matters there).
      expect(ssimPlane(frames.at(-1)!, frames.at(-2)!, W, H)).toBe(1);
      expect(cNumber(ref.frames.at(-1)!['lavfi.ssim.dB'])).toBe(Number.POSITIVE_INFINITY);
      // Clip summary: mean of All over frames.
      const meanAll = logValue(ref.log, /SSIM Y:\S+ \(\S+\) All:(\S+)/);
      let sum = 0;
      for (let t = 1; t < frames.length; t++) sum += ssimPlane(frames[t]!, frames[t - 1]!, W, H);
      expect(absDiff(sum / (frames.length - 1), meanAll)).toBeLessThanOrEqual(1e-6);
      console.log(`ssim gray max |ours - ffmpeg| = ${maxDiff.toExponential(2)}`);
    },
  );

  it.skipIf(!HAS_REFERENCE_FFMPEG)('matches vf_ssim Y/U/V and the area-weighted All on yuv420p', async () => {
    const cw = Math.ceil(W / 2);
    const ch = Math.ceil(H / 2);
    const planes = [0, 1, 2].map((k) => ({
      y: noisePlane(W, H, 10 + k, 20, 200),
      u: noisePlane(cw, ch, 20 + k),
      v: gradientPlane(cw, ch, k * 9),
    }));
    const frames = planes.map((p) => yuv420FromLuma(p.y, W, H, { u: p.u, v: p.v }));
    const ref = await runFilter(
      [
        { frames: frames.slice(1), width: W, height: H, format: 'yuv420p' },
        { frames: frames.slice(0, -1), width: W, height: H, format: 'yuv420p' },
      ],
      '[in0][in1]ssim[out]',
    );
    for (let t = 1; t < planes.length; t++) {
      const a = planes[t]!;
      const b = planes[t - 1]!;
      const r = ssimFrame([
        { a: a.y, b: b.y, width: W, height: H },
        { a: a.u, b: b.u, width: cw, height: ch },
        { a: a.v, b: b.v, width: cw, height: ch },
      ]);
      const theirs = ref.frames[t - 1]!;
      expect(absDiff(r.planes[0]!, cNumber(theirs['lavfi.ssim.Y']))).toBeLessThanOrEqual(1e-6);
      expect(absDiff(r.planes[1]!, cNumber(theirs['lavfi.ssim.U']))).toBeLessThanOrEqual(1e-6);
      expect(absDiff(r.planes[2]!, cNumber(theirs['lavfi.ssim.V']))).toBeLessThanOrEqual(1e-6);
      expect(absDiff(r.all, cNumber(theirs['lavfi.ssim.All']))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('returns NaN when a plane has no 8x8 window, as the filter divides 0 by 0', () => {
    expect(ssimPlane(new Uint8Array(49), new Uint8Array(49), 7, 7)).toBeNaN();
    expect(() => ssimPlane(new Uint8Array(10), new Uint8Array(10), 8, 8)).toThrow(RangeError);
  });
});

describe('ffmpeg psnr port', () => {
  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    'matches vf_psnr per frame and the clip average (over MSE) on gray 70x45',
    async () => {
      const frames = sequence();
      const ref = await consecutive(frames, 'psnr');
      expect(ref.frames).toHaveLength(frames.length - 1);
      const clip = new PsnrClip();
      let maxMse = 0;
      let maxPsnr = 0;
      let meanOfPsnr = 0;
      for (let t = 1; t < frames.length; t++) {
        const r = psnrFrame([{ a: frames[t]!, b: frames[t - 1]!, width: W, height: H }]);
        clip.push(r.mseAvg);
        const theirs = ref.frames[t - 1]!;
        // vf_psnr's set_meta takes a float: it prints fround(value) with %f, so that is what we compare.
        maxMse = Math.max(maxMse, absDiff(Math.fround(r.mse[0]!), cNumber(theirs['lavfi.psnr.mse.y'])));
        maxPsnr = Math.max(maxPsnr, absDiff(Math.fround(r.psnr[0]!), cNumber(theirs['lavfi.psnr.psnr.y'])));
        expect(absDiff(Math.fround(r.mseAvg), cNumber(theirs['lavfi.psnr.mse_avg']))).toBeLessThanOrEqual(
          1e-6,
        );
        expect(Math.fround(r.mse[0]!).toFixed(6)).toBe(theirs['lavfi.psnr.mse.y']);
        expect(absDiff(Math.fround(r.psnrAvg), cNumber(theirs['lavfi.psnr.psnr_avg']))).toBeLessThanOrEqual(
          1e-6,
        );
        // The SSE behind it is an exact integer (mse·w·h up to the rounding of one division).
        const sse = r.mse[0]! * W * H;
        expect(Math.abs(sse - Math.round(sse))).toBeLessThan(1e-6);
        if (Number.isFinite(r.psnrAvg)) meanOfPsnr += r.psnrAvg;
      }
      console.log(
        `psnr gray max |ours - ffmpeg|: mse ${maxMse.toExponential(2)}, psnr ${maxPsnr.toExponential(2)}`,
      );
      expect(maxMse).toBeLessThanOrEqual(1e-6);
      expect(maxPsnr).toBeLessThanOrEqual(1e-6);
      expect(psnrFrame([{ a: frames.at(-1)!, b: frames.at(-2)!, width: W, height: H }]).psnrAvg).toBe(
        Number.POSITIVE_INFINITY,
      );
      expect(absDiff(clip.average(), logValue(ref.log, /PSNR y:\S+ average:(\S+)/))).toBeLessThanOrEqual(
        1e-6,
      );
      expect(absDiff(clip.min(), logValue(ref.log, /PSNR y:\S+ average:\S+ min:(\S+)/))).toBeLessThanOrEqual(
        1e-6,
      );
      // The average over MSE is not the mean of per-frame PSNR (which would ignore the inf frame here anyway).
      expect(Math.abs(clip.average() - meanOfPsnr / (frames.length - 2))).toBeGreaterThan(0.1);
    },
  );
});
