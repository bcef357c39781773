import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/** examples/command_model.yaml as a user runs it: an ffmpeg-filter "model", no GPU, gated from pixels. */
let artifacts: string;
beforeAll(async () => {
  artifacts = await tempDir('tci-cmd-example-');
});
afterAll(async () => {
  await fs.rm(artifacts, { recursive: true, force: true });
});

async function runModel(model: string) {
  const r = await runCli([
    'run',
    'examples/command_model.yaml',
    '--model',
    model,
    '--artifacts-dir',
    artifacts,
    '--baseline-mode',
    'none',
    '--json',
  ]);
  expect(r.stderr + r.stdout).not.toSatisfy(hasStackTrace);
  return { code: r.code, stderr: r.stderr, rec: (JSON.parse(r.stdout) as { runs: RunRecord[] }).runs[0]! };
}

describe('examples/command_model.yaml', () => {
  it('passes the clean ffmpeg model', async () => {
    const { code, stderr, rec } = await runModel('ffmpeg_clean');
    expect(code, stderr).toBe(0);
    expect(rec.counts).toMatchObject({ planned: 3, measured: 3, failed: 0 });
    expect(rec.gates.every((g) => g.passed)).toBe(true);
    expect(rec.deadline).toMatchObject({ deadline_s: 600, exceeded: false });
  }, 60_000);

  it('fails the degraded one on its flicker, from the pixels', async () => {
    const { code, rec } = await runModel('ffmpeg_degraded');
    expect(code).toBe(2);
    expect(rec.status).toBe('FAIL');
    const failed = rec.gates.filter((g) => !g.passed).map((g) => g.metric);
    // The example's own flicker gates, then the default set's flicker and motion-smoothness gates.
    expect(failed).toEqual([
      'vbench_temporal.score',
      'vbench_temporal.dims.temporal_flicker',
      'vbench_temporal.dims.temporal_flicker',
      'vbench_temporal.dims.motion_smoothness',
    ]);
  }, 60_000);
});
