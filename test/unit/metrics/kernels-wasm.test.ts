/**
 * The WebAssembly SIMD kernels against the pure-JS reference kernels: identical results (the SSIM integer
 * sums and float32 window formula make the plane means bit-for-bit equal, stricter than the 1e-9 allowed
 * for float kernels) on random planes of awkward geometry and on real decoded frames (ffmpeg testsrc2 under
 * x264, so blocky, textured, moving content).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ssimPlane, ssimPlaneReference } from '../../../src/metrics/kernels/ffmpeg/ssim.js';
import { wasmKernels } from '../../../src/metrics/kernels/wasm/loader.js';
import { noisePlane, rng } from '../../support/ffmpeg-reference.js';

/** Gray frames of testsrc2 encoded with x264 at a low quality and decoded again, as a suite's video is. */
function decodedFrames(width: number, height: number, count: number): Uint8Array[] {
  const src = `testsrc2=s=${width}x${height}:r=25:d=${count / 25}`;
  const mp4 = execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', src, '-c:v', 'libx264', '-crf', '35', '-pix_fmt', 'yuv420p'],
    ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1'],
  ]);
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    { input: mp4, maxBuffer: 64 << 20 },
  );
  const size = width * height;
  expect(raw.length).toBe(size * count);
  return Array.from({ length: count }, (_, i) => new Uint8Array(raw.buffer, raw.byteOffset + i * size, size));
}

describe('WebAssembly SIMD kernels', () => {
  it('load in this environment (Node 20 has WebAssembly SIMD)', () => {
    expect(process.env.TEMPORALCI_KERNELS).not.toBe('js');
    expect(wasmKernels()).toBeDefined();
  });

  it('SSIM plane: identical to the JS reference on random planes of many sizes, strides and offsets', () => {
    const next = rng(17);
    for (let i = 0; i < 60; i++) {
      const width = 8 + Math.floor(next() * 90);
      const height = 8 + Math.floor(next() * 40);
      const stride = width + Math.floor(next() * 9);
      const offset = Math.floor(next() * 5); // unaligned plane starts
      const lo = next() < 0.3 ? 0 : Math.floor(next() * 128);
      const hi = next() < 0.3 ? 255 : lo + Math.floor(next() * (256 - lo));
      const bufA = noisePlane(stride, height + 1, 2 * i + 1, lo, hi);
      const bufB = noisePlane(stride, height + 1, 2 * i + 2, lo, hi);
      const a = bufA.subarray(offset);
      const b = next() < 0.2 ? a : bufB.subarray(offset);
      const got = ssimPlane(a, b, width, height, stride);
      expect(
        Object.is(got, ssimPlaneReference(a, b, width, height, stride)),
        `${width}x${height}/${stride}`,
      ).toBe(true);
    }
  });

  it('SSIM plane: identical on extreme planes (all 0 vs all 255, constant, identical)', () => {
    const w = 67;
    const h = 33;
    const zero = new Uint8Array(w * h);
    const full = new Uint8Array(w * h).fill(255);
    for (const [a, b] of [
      [zero, full],
      [full, full],
      [zero, zero],
      [full, zero],
    ] as const) {
      expect(ssimPlane(a, b, w, h)).toBe(ssimPlaneReference(a, b, w, h));
    }
  });

  it('SSIM plane: identical to the JS reference on decoded testsrc2 frames (512x288, consecutive pairs)', () => {
    const frames = decodedFrames(512, 288, 12);
    for (let i = 1; i < frames.length; i++) {
      const a = frames[i - 1]!;
      const b = frames[i]!;
      const got = ssimPlane(a, b, 512, 288);
      expect(got).toBeGreaterThan(0.3);
      expect(got).toBeLessThan(1);
      expect(got).toBe(ssimPlaneReference(a, b, 512, 288));
    }
  });
});
