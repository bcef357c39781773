import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasureResult } from '../../src/runs/measure-video.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';
import { HAS_REFERENCE_FFMPEG } from '../support/ffmpeg-version.js';

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
    const json = JSON.parse(r.stdout) as MeasureResult;
    expect(json.video.frameCount).toBe(12);
    expect(json.video.width).toBe(96);
    // Without a reference there is no full-reference section, only the video's own metrics.
    expect(Object.keys(json)).toEqual(['video', 'no_reference']);
    const metrics = json.no_reference.metrics;
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['ssim', 'psnr', 'vbench_temporal']));
    const ssim = metrics.ssim?.mean as number;
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
    const s = JSON.parse(same.stdout) as MeasureResult;
    // The full-reference comparison comes first, the video's own (consecutive-frame) values after it.
    expect(Object.keys(s)).toEqual(['video', 'full_reference', 'no_reference']);
    const full = s.full_reference!;
    expect(full.planes).toBe('yuv420p');
    expect(full.metrics.ssim).toMatchObject({ mean: 1, min: 1, u: 1, v: 1 });
    // All = 4/6·Y + 1/6·U + 1/6·V in doubles, as the filter sums it: 1 − 1e-16 (ffmpeg prints 1.000000, inf dB).
    expect(full.metrics.ssim.all as number).toBeCloseTo(1, 12);
    expect(full.metrics.psnr).toMatchObject({ mse_mean: 0, mean: 100, average: 100 }); // inf in ffmpeg, capped
    expect(full.per_frame.psnr).toHaveLength(12);
    expect(full.per_frame['ssim.all']).toHaveLength(12);
    // --metrics ssim: the consecutive-frame ssim of the video alone, below any 1 (testsrc2 moves).
    expect(Object.keys(s.no_reference.metrics)).toEqual(['ssim']);
    expect(s.no_reference.metrics.ssim?.mean as number).toBeLessThan(1);

    const blurred = await runCli([
      'measure',
      path.join(dir, 'blurred.mp4'),
      '--reference',
      path.join(dir, 'clip.mp4'),
      '--metrics',
      'psnr',
    ]);
    expect(blurred.code, blurred.stderr).toBe(0);
    const [fullText, ownText] = blurred.stdout.split(/^no reference/m);
    expect(fullText).toMatch(/^full reference, against .*clip\.mp4 \(yuv420p planes/m);
    const m = /psnr\.mean\s+([\d.]+)/.exec(fullText ?? '');
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(10);
    expect(Number(m?.[1])).toBeLessThan(40);
    expect(ownText).toMatch(/psnr\.mean/);
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

  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    'equals ffmpeg -lavfi ssim and psnr on H.264 files (70x46, 64x48, 512x512) to 1e-6',
    async () => {
      for (const size of ['70x46', '64x48', '512x512']) {
        const ref = path.join(dir, `ref-${size}.mp4`);
        const dist = path.join(dir, `dist-${size}.mp4`);
        // A grainy source and a blurred, heavily compressed copy: every plane differs, chroma included.
        ffmpeg(
          ...['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=12:d=1`, '-vf', 'noise=alls=10:allf=t'],
          ...['-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', ref],
        );
        ffmpeg(
          '-i',
          ref,
          '-vf',
          'gblur=sigma=1',
          '-c:v',
          'libx264',
          '-crf',
          '32',
          '-pix_fmt',
          'yuv420p',
          dist,
        );
        const graph = '[0:v][1:v]ssim;[0:v][1:v]psnr';
        const ff = spawnSync(
          'ffmpeg',
          ['-hide_banner', '-i', dist, '-i', ref, '-lavfi', graph, '-f', 'null', '-'],
          {
            encoding: 'utf8',
          },
        );
        expect(ff.status, ff.stderr).toBe(0);
        const num = (re: RegExp): number => {
          const m = re.exec(ff.stderr);
          if (m?.[1] === undefined) throw new Error(`${re} not in ffmpeg's log:\n${ff.stderr}`);
          return Number(m[1]);
        };
        const r = await runCli(['measure', dist, '--reference', ref, '--metrics', 'ssim', '--json']);
        expect(r.code, r.stderr).toBe(0);
        const full = (JSON.parse(r.stdout) as MeasureResult).full_reference!;
        expect(full.planes).toBe('yuv420p');
        const { ssim, psnr } = full.metrics;
        const close = (ours: unknown, theirs: number, what: string): void => {
          expect(
            Math.abs((ours as number) - theirs),
            `${size} ${what}: ${ours} vs ffmpeg ${theirs}`,
          ).toBeLessThanOrEqual(1e-6);
        };
        close(ssim.mean, num(/SSIM Y:([\d.]+)/), 'SSIM Y');
        close(ssim.u, num(/SSIM Y:\S+ \(\S+\) U:([\d.]+)/), 'SSIM U');
        close(ssim.v, num(/ V:([\d.]+) \(\S+\) All:/), 'SSIM V');
        close(ssim.all, num(/ All:([\d.]+)/), 'SSIM All');
        close(psnr.mean, num(/PSNR y:([\d.]+)/), 'PSNR y');
        close(psnr.u, num(/PSNR y:\S+ u:([\d.]+)/), 'PSNR u');
        close(psnr.v, num(/PSNR y:\S+ u:\S+ v:([\d.]+)/), 'PSNR v');
        close(psnr.average, num(/ average:([\d.]+)/), 'PSNR average');
        close(psnr.average_min, num(/ average:\S+ min:([\d.]+)/), 'PSNR min');
      }
    },
    120_000,
  );

  it('rejects unknown and non-pixel metrics', async () => {
    const unknown = await runCli(['measure', path.join(dir, 'clip.mp4'), '--metrics', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown metric "nope"');
    const judge = await runCli(['measure', path.join(dir, 'clip.mp4'), '--metrics', 'log_regex']);
    expect(judge.code).toBe(1);
    expect(judge.stderr).toContain('cannot be measured on a single file');
  });
});
