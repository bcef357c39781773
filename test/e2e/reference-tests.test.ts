import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';
import { HAS_REFERENCE_FFMPEG } from '../support/ffmpeg-version.js';

/**
 * Reference tests through the built CLI: the shipped interpolation example (ffmpeg minterpolate as the
 * model), its failing dup twin, an upscale test with padding, and per-sample mismatch errors.
 */
let artifacts: string;
let work: string;

beforeAll(async () => {
  artifacts = await tempDir('tci-reftests-');
  work = await tempDir('tci-reftests-suite-');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=12:d=1'],
    ...['-pix_fmt', 'yuv420p', path.join(work, 'src.mp4')],
  ]);
});
afterAll(async () => {
  await fs.rm(artifacts, { recursive: true, force: true });
  await fs.rm(work, { recursive: true, force: true });
});

function runDirOf(stdout: string): string {
  const dir = /run dir: (.+)/.exec(stdout)?.[1];
  if (dir === undefined) throw new Error(`no run dir in:\n${stdout}`);
  return path.resolve(dir);
}

async function record(runDir: string): Promise<RunRecord> {
  return JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
}

describe('examples/interpolation_minterpolate.yaml', () => {
  it('passes the mci interpolator, scoring only the held-out frames', async () => {
    const r = await runCli([
      'run',
      'examples/interpolation_minterpolate.yaml',
      '--baseline-mode',
      'none',
      '--artifacts-dir',
      artifacts,
    ]);
    expect(r.stdout + r.stderr).not.toSatisfy(hasStackTrace);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const runDir = runDirOf(r.stdout);
    const rec = await record(runDir);
    const s = rec.samples[0]!;
    // Output was at the padded 128x96 and is cropped back to the 128x72 truth; 36 source frames -> 35.
    expect(s.video).toMatchObject({ width: 128, height: 96, frame_count: 35 });
    const psnr = s.metrics.psnr as { mean: number };
    const ssim = s.metrics.ssim as { mean: number };
    expect(psnr.mean).toBeGreaterThan(25.3);
    expect(psnr.mean).toBeLessThan(100);
    expect(ssim.mean).toBeGreaterThan(0.89);
    const perFrame = JSON.parse(
      await fs.readFile(path.join(runDir, 'reference', `${s.sample_id}.json`), 'utf8'),
    ) as {
      psnr: [number, number][];
    };
    expect(perFrame.psnr.map(([i]) => i)).toEqual(Array.from({ length: 17 }, (_, k) => 2 * k + 1));
  });

  it('fails the dup twin on its PSNR/SSIM gates and as a regression (exit 2)', async () => {
    const r = await runCli([
      'run',
      'examples/interpolation_minterpolate_dup.yaml',
      '--baseline-mode',
      'latest_pass',
      '--artifacts-dir',
      artifacts,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/gate {2}psnr\.mean >= 25\.3 .* FAIL/);
    expect(r.stdout).toMatch(/gate {2}ssim\.mean >= 0\.89 .* FAIL/);
    expect(r.stdout).toMatch(/regression {2}psnr\.mean .* REGRESSED/);
  });
});

function suite(test: string, argv: string): string {
  return `version: 1
project: ref
suite_name: ref
models:
  - name: m
    adapter: command
    params:
      argv: ${argv}
tests:
${test}
metrics:
  - name: psnr
    params: {mode: reference}
  - name: ssim
    params: {mode: reference}
gates:
  - metric: psnr.mean
    op: ">="
    value: 20
`;
}

const FF = '["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", "{input_video}"';
const OUT = '"-c:v", "libx264", "-crf", "4", "-pix_fmt", "yuv420p", "{output}"]';

describe('upscale and mismatches', () => {
  it('scores a bicubic 2x upscaler on a padded input, cropped back', async () => {
    const file = path.join(work, 'up.yaml');
    const test = '  - id: up\n    type: upscale\n    sources: [src.mp4]\n    scale: 2\n    pad_multiple: 32';
    await fs.writeFile(file, suite(test, `${FF}, "-vf", "scale=iw*2:ih*2:flags=bicubic", ${OUT}`));
    const r = await runCli(['run', file, '--baseline-mode', 'none', '--artifacts-dir', artifacts]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = (await record(runDirOf(r.stdout))).samples[0]!;
    // Input 48x32 padded to 64x32, so the model answers 128x64; compared on the 96x64 truth.
    expect(s.video).toMatchObject({ width: 128, height: 64, frame_count: 12 });
    expect((s.metrics.psnr as { mean: number }).mean).toBeGreaterThan(20);
    expect((s.metrics.psnr as { mean: number }).mean).toBeLessThan(60);
  });

  it.skipIf(!HAS_REFERENCE_FFMPEG)(
    "scores on the stored planes: the run's values are ffmpeg's ssim/psnr of the cropped output",
    async () => {
      const file = path.join(work, 'up-parity.yaml');
      const test =
        '  - id: up\n    type: upscale\n    sources: [src.mp4]\n    scale: 2\n    pad_multiple: 32';
      await fs.writeFile(file, suite(test, `${FF}, "-vf", "scale=iw*2:ih*2:flags=bicubic", ${OUT}`));
      const r = await runCli(['run', file, '--baseline-mode', 'none', '--artifacts-dir', artifacts]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const runDir = runDirOf(r.stdout);
      const s = (await record(runDir)).samples[0]!;
      const psnr = s.metrics.psnr as Record<string, number>;
      const ssim = s.metrics.ssim as Record<string, number>;
      // The truth stream compares stored planes: the values are ffmpeg's on the cropped output vs the source.
      const output = path.join(runDir, 'videos', `${s.sample_id}.mp4`);
      const graph = '[0:v]crop=96:64:0:0[a];[a]split[a1][a2];[1:v]split[b1][b2];[a1][b1]ssim;[a2][b2]psnr';
      const ff = spawnSync(
        'ffmpeg',
        ['-hide_banner', '-i', output, '-i', path.join(work, 'src.mp4'), '-lavfi', graph, '-f', 'null', '-'],
        { encoding: 'utf8' },
      );
      expect(ff.status, ff.stderr).toBe(0);
      const num = (re: RegExp): number => Number(re.exec(ff.stderr)?.[1]);
      expect(Math.abs(ssim.mean! - num(/SSIM Y:([\d.]+)/))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(ssim.all! - num(/ All:([\d.]+)/))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(psnr.mean! - num(/PSNR y:([\d.]+)/))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(psnr.average! - num(/ average:([\d.]+)/))).toBeLessThanOrEqual(1e-6);
    },
  );

  it('a wrong output size is a clear per-sample error', async () => {
    const file = path.join(work, 'bad-size.yaml');
    const test = '  - id: up\n    type: upscale\n    sources: [src.mp4]\n    scale: 2';
    await fs.writeFile(file, suite(test, `${FF}, "-vf", "scale=iw*3:ih*3", ${OUT}`));
    const r = await runCli(['run', file, '--baseline-mode', 'none', '--artifacts-dir', artifacts]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed at probe: model output .* is 144x96, the reference is 96x64/);
  });

  it('a wrong frame count is a clear per-sample error', async () => {
    const file = path.join(work, 'bad-count.yaml');
    const test = '  - id: interp\n    type: interpolation\n    sources: [src.mp4]\n    drop_every: 2';
    // No interpolation at all: the model hands back its 6-frame input.
    await fs.writeFile(file, suite(test, `${FF}, ${OUT}`));
    const r = await runCli(['run', file, '--baseline-mode', 'none', '--artifacts-dir', artifacts]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/has 6 frame\(s\), the reference has 11/);
  });

  it('validate reports missing keys and missing sources', async () => {
    const file = path.join(work, 'invalid.yaml');
    const test = '  - id: interp\n    type: interpolation\n    sources: [nope.mp4]\n    prompts: ["x"]';
    await fs.writeFile(file, suite(test, `${FF}, ${OUT}`));
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr;
    expect(text).toContain('needs drop_every');
    expect(text).toMatch(/source video .*nope\.mp4 does not exist/);
    expect(text).toContain('prompts is not used by a interpolation test');
  });
});
