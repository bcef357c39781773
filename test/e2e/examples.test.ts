import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * The core's promise, end to end on the shipped examples: a clean run passes from the pixels of real MP4s,
 * and the degraded twin run next fails its gates and regresses against that baseline.
 */
let artifacts: string;

beforeAll(async () => {
  artifacts = await tempDir('tci-examples-');
});
afterAll(async () => {
  await fs.rm(artifacts, { recursive: true, force: true });
});

function ffprobe(file: string): { codec_name: string; width: number; height: number; nb_frames: string } {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_streams',
    '-of',
    'json',
    file,
  ]);
  return (
    JSON.parse(out.toString()) as {
      streams: { codec_name: string; width: number; height: number; nb_frames: string }[];
    }
  ).streams[0]!;
}

// Two full runs of the shipped 512x512 suite (9 samples each, with the safety classifier) on two shared cores.
const FULL_RUN_TIMEOUT = 300_000;

describe('examples/regression_core.yaml then its degraded twin', () => {
  let baselineRecord: RunRecord;

  it(
    'passes with --baseline-mode none, measuring real videos',
    async () => {
      const r = await runCli([
        'run',
        'examples/regression_core.yaml',
        '--baseline-mode',
        'none',
        '--artifacts-dir',
        artifacts,
      ]);
      expect(r.stderr + r.stdout).not.toSatisfy(hasStackTrace);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^PASS {2}demo-video-model\/regression_core\/demo_mock_model/m);
      const runDir = /run dir: (.+)/.exec(r.stdout)?.[1];
      expect(runDir).toBeDefined();
      const rec = JSON.parse(await fs.readFile(path.resolve(runDir!, 'run.json'), 'utf8')) as RunRecord;
      baselineRecord = rec;
      expect(rec.schema_version).toBe(1);
      expect(rec.status).toBe('PASS');
      expect(rec.counts).toMatchObject({ planned: 9, measured: 9, failed: 0 });
      expect(rec.environment.ffmpeg?.version).toBeTruthy();
      for (const s of rec.samples) {
        const dims = (s.metrics.vbench_temporal as { dims: Record<string, number> }).dims;
        // Real pixels: a rendered, moving clip is neither frozen (1.0) nor noise.
        expect(dims.temporal_flicker).toBeGreaterThan(0.95);
        expect(dims.temporal_flicker).toBeLessThan(1);
        expect(dims.motion_smoothness).toBeGreaterThan(0.97);
        expect(s.timings.generate).toBeGreaterThan(0);
        expect(s.timings.decode).toBeGreaterThanOrEqual(0);
        expect(s.timings.metrics).toBeGreaterThan(0);
        expect(s.video_path).toMatch(/^videos\/[0-9a-f]{16}\.mp4$/);
        const stream = ffprobe(path.resolve(runDir!, s.video_path!));
        expect(stream).toMatchObject({ codec_name: 'h264', width: 512, height: 512 });
        expect(Number(stream.nb_frames)).toBe(25);
      }
      // Different seeds give different videos, so the statistics have real variance.
      const flickers = rec.samples.map(
        (s) => (s.metrics.vbench_temporal as { dims: Record<string, number> }).dims.temporal_flicker,
      );
      expect(new Set(flickers).size).toBeGreaterThan(1);
    },
    FULL_RUN_TIMEOUT,
  );

  it(
    'fails the degraded twin with --baseline-mode latest_pass, naming the gates and the regression',
    async () => {
      const r = await runCli([
        'run',
        'examples/regression_core_degraded.yaml',
        '--baseline-mode',
        'latest_pass',
        '--artifacts-dir',
        artifacts,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout).toMatch(/^FAIL/m);
      expect(r.stdout).toContain(`baseline: latest_pass -> ${baselineRecord.run_id}`);
      expect(r.stdout).toMatch(/gate {2}vbench_temporal\.dims\.temporal_flicker >= 0\.975 .* FAIL/);
      expect(r.stdout).toMatch(/gate {2}vbench_temporal\.dims\.motion_smoothness >= 0\.98 .* FAIL/);
      expect(r.stdout).toMatch(/regression {2}vbench_temporal\.dims\.motion_smoothness .* REGRESSED/);
      expect(r.stdout).toMatch(/gate {2}safety_t2v\.violations == 0 .* PASS/);
    },
    FULL_RUN_TIMEOUT,
  );
});
