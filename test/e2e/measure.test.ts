import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/** `temporalci measure` on real files made by ffmpeg, through the built CLI. */

let dir: string;

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

beforeAll(async () => {
  dir = await tempDir('tci-measure-');
  const src = ['-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=12:d=1'];
  ffmpeg(...src, '-pix_fmt', 'yuv420p', path.join(dir, 'clip.mp4'));
  ffmpeg(...src, '-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p', path.join(dir, 'clip.webm'));
  ffmpeg(...src, '-pix_fmt', 'yuv420p', path.join(dir, 'clip.mkv'));
  ffmpeg('-i', path.join(dir, 'clip.mp4'), '-vf', 'gblur=sigma=2', path.join(dir, 'blurred.mp4'));
  ffmpeg(...src, '-vf', 'scale=64:48', '-pix_fmt', 'yuv420p', path.join(dir, 'small.mp4'));
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=96x64:r=12:d=0.5',
    '-pix_fmt',
    'yuv420p',
    path.join(dir, 'short.mp4'),
  );
  const whole = await fs.readFile(path.join(dir, 'clip.mp4'));
  await fs.writeFile(path.join(dir, 'corrupt.mp4'), whole.subarray(0, 2000));
  await fs.writeFile(path.join(dir, 'not-video.mp4'), 'hello, this is text');
}, 60_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('temporalci measure', () => {
  it.each(['clip.mp4', 'clip.webm', 'clip.mkv'])('measures %s with the default metric set', async (file) => {
    const r = await runCli(['measure', path.join(dir, file), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      video: { frameCount: number; width: number };
      metrics: Record<string, Record<string, unknown>>;
    };
    expect(json.video.frameCount).toBe(12);
    expect(json.video.width).toBe(96);
    expect(Object.keys(json.metrics)).toEqual(expect.arrayContaining(['ssim', 'psnr', 'vbench_temporal']));
    const ssim = json.metrics.ssim?.mean as number;
    expect(ssim).toBeGreaterThan(0.3);
    expect(ssim).toBeLessThan(1);
  });

  it('scores a file against itself as identical and a blurred copy lower', async () => {
    const same = await runCli([
      'measure',
      path.join(dir, 'clip.mp4'),
      '--reference',
      path.join(dir, 'clip.mp4'),
      '--metrics',
      'ssim',
      '--json',
    ]);
    expect(same.code, same.stderr).toBe(0);
    const s = JSON.parse(same.stdout) as {
      reference: {
        metrics: { ssim: { mean: number }; psnr: { mean: number; mse_mean: number } };
        per_frame: { psnr: [number, number][] };
      };
    };
    expect(s.reference.metrics.ssim.mean).toBe(1);
    expect(s.reference.metrics.psnr.mse_mean).toBe(0);
    expect(s.reference.metrics.psnr.mean).toBe(100); // inf in ffmpeg, capped at max_db
    expect(s.reference.per_frame.psnr).toHaveLength(12);

    const blurred = await runCli([
      'measure',
      path.join(dir, 'blurred.mp4'),
      '--reference',
      path.join(dir, 'clip.mp4'),
      '--metrics',
      'psnr',
    ]);
    expect(blurred.code, blurred.stderr).toBe(0);
    const m = /reference\.psnr\.mean\s+([\d.]+)/.exec(blurred.stdout);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(10);
    expect(Number(m?.[1])).toBeLessThan(40);
  });

  it('refuses size and frame-count mismatches with the reference', async () => {
    const size = await runCli([
      'measure',
      path.join(dir, 'small.mp4'),
      '--reference',
      path.join(dir, 'clip.mp4'),
    ]);
    expect(size.code).toBe(1);
    expect(size.stderr).toMatch(/64x48, the reference .* is 96x64/);
    const count = await runCli([
      'measure',
      path.join(dir, 'short.mp4'),
      '--reference',
      path.join(dir, 'clip.mp4'),
    ]);
    expect(count.code).toBe(1);
    expect(count.stderr).toMatch(/has 6 frames, the reference .* has 12/);
  });

  it.each(['corrupt.mp4', 'not-video.mp4'])('fails on %s with exit 1 and a clear message', async (file) => {
    const r = await runCli(['measure', path.join(dir, file)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/not a readable video|corrupt|truncated/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('rejects unknown and non-pixel metrics', async () => {
    const unknown = await runCli(['measure', path.join(dir, 'clip.mp4'), '--metrics', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown metric "nope"');
    const judge = await runCli(['measure', path.join(dir, 'clip.mp4'), '--metrics', 'log_regex']);
    expect(judge.code).toBe(1);
    expect(judge.stderr).toContain('cannot be measured on a single file');
  });
});
