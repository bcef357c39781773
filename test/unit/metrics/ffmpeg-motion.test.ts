import { describe, expect, it } from 'vitest';
import { SceneDetect } from '../../../src/metrics/kernels/ffmpeg/scdet.js';
import { LIMITED_TO_FULL, SiTi } from '../../../src/metrics/kernels/ffmpeg/siti.js';
import { VMAF_MOTION_TAPS, VmafMotion } from '../../../src/metrics/kernels/ffmpeg/vmaf-motion.js';
import {
  absDiff,
  cNumber,
  gradientPlane,
  logValue,
  movingTexture,
  noisePlane,
  type RawFormat,
  runFilter,
  yuv420FromLuma,
} from '../../support/ffmpeg-reference.js';
import { HAS_REFERENCE_FFMPEG } from '../../support/ffmpeg-version.js';

const W = 70;
const H = 45;

/**
 * vmafmotion and siti print per-frame values with %0.2f and scdet with %0.3f, so per-frame parity can only
 * be checked to half a unit of the last printed digit; the 1e-6 checks use the %f summaries (siti) instead.
 */
const half = (digits: number): number => 0.5 * 10 ** -digits + 1e-9;

function clip(): Uint8Array[] {
  return [
    ...movingTexture(W, H, 4, 3, 5),
    gradientPlane(W, H, 0),
    gradientPlane(W, H, 40),
    noisePlane(W, H, 8),
    noisePlane(W, H, 9, 0, 10),
    noisePlane(W, H, 9, 0, 10),
  ];
}

async function single(frames: Uint8Array[], format: RawFormat, filter: string) {
  const data = format === 'gray' ? frames : frames.map((f) => yuv420FromLuma(f, W, H));
  return runFilter([{ frames: data, width: W, height: H, format }], `[in0]${filter}[out]`);
}

describe('ffmpeg vmafmotion port', () => {
  it('uses the filter taps', () => {
    expect(VMAF_MOTION_TAPS).toEqual([1785, 8002, 13193, 8002, 1785]);
  });

  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    'matches vf_vmafmotion per frame (printed %0.2f) and its average (%.3f)',
    async () => {
      const frames = clip();
      const ref = await single(frames, 'yuv420p', 'vmafmotion');
      expect(ref.frames).toHaveLength(frames.length);
      const vm = new VmafMotion(W, H);
      let maxDiff = 0;
      for (const [t, f] of frames.entries()) {
        const ours = vm.push(f);
        if (t === 0) expect(ours).toBe(0);
        maxDiff = Math.max(maxDiff, absDiff(ours, cNumber(ref.frames[t]!['lavfi.vmafmotion.score'])));
      }
      console.log(`vmafmotion max |ours - ffmpeg| = ${maxDiff.toExponential(2)} (ffmpeg prints 2 decimals)`);
      expect(maxDiff).toBeLessThanOrEqual(half(2));
      expect(absDiff(vm.average(), logValue(ref.log, /VMAF Motion avg: (\S+)/))).toBeLessThanOrEqual(half(3));
      // The moving texture moves; the duplicated last frame does not.
      expect(vm.average()).toBeGreaterThan(1);
    },
  );
});

describe('ffmpeg siti port', () => {
  for (const format of ['yuvj420p', 'yuv420p'] as const) {
    it.skipIf(!HAS_REFERENCE_FFMPEG)(
      `matches vf_siti on ${format} (${format === 'yuvj420p' ? 'full' : 'limited'} range)`,
      async () => {
        const frames = clip();
        const ref = await single(frames, format, 'siti=print_summary=1');
        const s = new SiTi(W, H, format === 'yuvj420p' ? 'full' : 'limited');
        let maxDiff = 0;
        for (const [t, f] of frames.entries()) {
          const r = s.push(f);
          if (t === 0) expect(r.ti).toBe(0);
          maxDiff = Math.max(maxDiff, absDiff(r.si, cNumber(ref.frames[t]!['lavfi.siti.si'])));
          maxDiff = Math.max(maxDiff, absDiff(r.ti, cNumber(ref.frames[t]!['lavfi.siti.ti'])));
        }
        expect(maxDiff).toBeLessThanOrEqual(half(2));
        // The summary is printed with %f from float32 state: a 1e-6 check of the whole computation.
        const sum = s.summary();
        const got = (section: string, what: 'Average' | 'Max' | 'Min') =>
          logValue(ref.log, new RegExp(`${section}:\\s*(?:\\w+: \\S+\\s*)*?${what}: (\\S+)`));
        const diffs = [
          absDiff(sum.si.average, got('Spatial Information', 'Average')),
          absDiff(sum.si.max, got('Spatial Information', 'Max')),
          absDiff(sum.si.min, got('Spatial Information', 'Min')),
          absDiff(sum.ti.average, got('Temporal Information', 'Average')),
          absDiff(sum.ti.max, got('Temporal Information', 'Max')),
        ];
        console.log(
          `siti ${format}: per-frame max diff ${maxDiff.toExponential(2)}, summary ${Math.max(...diffs).toExponential(2)}`,
        );
        for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-6);
      },
    );
  }

  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    'gives each frame 1e-6 parity through two-frame runs (Max TI = TI of the second frame)',
    async () => {
      const frames = movingTexture(W, H, 3, 2, 11);
      const s = new SiTi(W, H, 'full');
      const ours = frames.map((f) => s.push(f));
      for (let t = 1; t < frames.length; t++) {
        const ref = await single([frames[t - 1]!, frames[t]!], 'yuvj420p', 'siti=print_summary=1');
        const tiMax = logValue(ref.log, /Temporal Information:\s*Average: \S+\s*Max: (\S+)/);
        const siMax = logValue(ref.log, /Spatial Information:\s*Average: \S+\s*Max: (\S+)/);
        expect(absDiff(ours[t]!.ti, tiMax)).toBeLessThanOrEqual(1e-6);
        expect(absDiff(Math.max(ours[t]!.si, ours[t - 1]!.si), siMax)).toBeLessThanOrEqual(1e-6);
      }
    },
  );

  it('converts limited range with the filter integer formula', () => {
    expect(LIMITED_TO_FULL[16]).toBe(0);
    expect(LIMITED_TO_FULL[235]).toBe(255);
    expect(LIMITED_TO_FULL[0]).toBe(0);
    expect(LIMITED_TO_FULL[255]).toBe(255);
    expect(LIMITED_TO_FULL[17]).toBe(1);
  });
});

describe('ffmpeg scdet port', () => {
  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    'matches vf_scdet mafd and score per frame (printed %0.3f) across a hard cut',
    async () => {
      const a = movingTexture(W, H, 4, 1, 21);
      const b = movingTexture(W, H, 4, 1, 22).map((f) => f.map((v) => (v >> 1) + 110));
      const frames = [...a, ...b];
      const ref = await single(frames, 'gray', 'scdet');
      const sd = new SceneDetect();
      let maxDiff = 0;
      const scores: number[] = [];
      for (const [t, f] of frames.entries()) {
        const r = sd.push(f);
        scores.push(r.score);
        maxDiff = Math.max(maxDiff, absDiff(r.mafd, cNumber(ref.frames[t]!['lavfi.scd.mafd'])));
        maxDiff = Math.max(maxDiff, absDiff(r.score, cNumber(ref.frames[t]!['lavfi.scd.score'])));
      }
      console.log(`scdet max |ours - ffmpeg| = ${maxDiff.toExponential(2)} (ffmpeg prints 3 decimals)`);
      expect(maxDiff).toBeLessThanOrEqual(half(3));
      // The cut is the frame with the highest score and is the only one above ffmpeg's default threshold 10.
      expect(scores.indexOf(Math.max(...scores))).toBe(a.length);
      // Frame 1 scores its whole mafd (prev_mafd starts at 0, as in the filter); after that only the cut is >= 10.
      expect(scores.slice(2).filter((s) => s >= 10)).toHaveLength(1);
      expect(ref.frames[a.length]!['lavfi.scd.time']).toBeDefined();
    },
  );
});
