import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { runCli, runSuiteText, tempDir } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-vbench-');
  // A stand-in for `vbench evaluate`: lists the exported videos and writes results in VBench's format,
  // with VBench's scales (imaging_quality 0–100 per video, booleans for dynamic_degree).
  await writeFile(
    path.join(dir, 'fake-vbench.mjs'),
    `import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [videos, output, name, mode] = process.argv.slice(2);
if (mode !== 'custom_input') throw new Error('unexpected mode ' + mode);
const files = readdirSync(videos).sort();
const per = (f) => files.map((v, i) => ({ video_path: join(videos, v), video_results: f(v, i) }));
writeFileSync(join(output, name + '_eval_results.json'), JSON.stringify({
  imaging_quality: [0.6, per((v, i) => 50 + 10 * i)],
  dynamic_degree: [0.5, per((v, i) => i % 2 === 0)],
}));
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const suite = (metric: string, gate = '') => `version: 1
project: vb
suite_name: bridge
models:
  - name: m
    adapter: mock
    params: {}
tests:
  - id: t
    prompts: ["a red ball bouncing", "a slow pan over a lake"]
    seeds: [0, 1]
    video: {num_frames: 6, fps: 8, resolution: 64}
metrics:
${metric}
gates:
${
  gate ||
  `  - metric: vbench_official.dims.imaging_quality
    op: ">="
    value: 0.5`
}
`;

const run = (name: string, text: string) => runSuiteText(dir, name, text);

const key = (s: RunRecord['samples'][number]) => `${s.prompt}-${s.seed}`;

describe('vbench_official on the built CLI', () => {
  it('ingests an eval_results.json and maps per-video results to samples by {prompt}-{i}.mp4', async () => {
    await writeFile(
      path.join(dir, 'old_eval_results.json'),
      JSON.stringify({
        imaging_quality: [
          0.6687,
          [
            { video_path: '/gpu-box/videos/a red ball bouncing-0.mp4', video_results: 56.49 },
            { video_path: '/gpu-box/videos/a red ball bouncing-1.mp4', video_results: 77.25 },
            { video_path: '/gpu-box/videos/a slow pan over a lake-0.mp4', video_results: 40 },
            { video_path: '/gpu-box/videos/a slow pan over a lake-1.mp4', video_results: 70 },
          ],
        ],
        subject_consistency: [0.82, [{ video_path: 'a red ball bouncing-0.mp4', video_results: 0.9 }]],
      }),
    );
    const metric = `  - name: vbench_official
    params: {results: old_eval_results.json, dimensions: [imaging_quality, subject_consistency]}`;
    const { code, record, runDir } = await run('ingest', suite(metric));
    expect(record.errors).toEqual([]);
    expect(code).toBe(0); // mean imaging_quality (0.5649 + 0.7725 + 0.4 + 0.7) / 4 ≥ 0.5
    const dims = Object.fromEntries(
      record.samples.map((s) => [key(s), s.metrics.vbench_official?.dims as Record<string, number | null>]),
    );
    expect(dims['a red ball bouncing-0']?.imaging_quality).toBeCloseTo(0.5649, 12); // 56.49 / 100
    expect(dims['a red ball bouncing-0']?.subject_consistency).toBe(0.9);
    expect(dims['a slow pan over a lake-1']).toEqual({ imaging_quality: 0.7, subject_consistency: null });
    const summary = record.metrics.vbench_official?.values;
    expect(summary?.aggregate).toEqual({ imaging_quality: 0.6687, subject_consistency: 0.82 });
    expect(summary?.score).toBeCloseTo((0.6687 + 0.82) / 2, 12);
    expect(summary?.videos_matched).toBe(1);
    expect((await readdir(path.join(runDir, 'vbench_official', 'videos'))).sort()).toEqual([
      'a red ball bouncing-0.mp4',
      'a red ball bouncing-1.mp4',
      'a slow pan over a lake-0.mp4',
      'a slow pan over a lake-1.mp4',
    ]);
  });

  it('runs a VBench command on the exported layout', async () => {
    const metric = `  - name: vbench_official
    params:
      command: ["${process.execPath}", "fake-vbench.mjs", "{videos}", "{output}", "{name}", "{mode}"]
      dimensions: [imaging_quality, dynamic_degree]`;
    const gate = `  - metric: vbench_official.dims.dynamic_degree
    op: ">="
    value: 0.75`;
    const { code, record } = await run('command', suite(metric, gate));
    expect(record.errors).toEqual([]);
    expect(code).toBe(2); // half the videos are dynamic
    const dims = Object.fromEntries(record.samples.map((s) => [key(s), s.metrics.vbench_official?.dims]));
    // Sorted file names: ball-0, ball-1, lake-0, lake-1 → 50, 60, 70, 80 (/100); dynamic true, false, …
    expect(dims['a red ball bouncing-1']).toEqual({ imaging_quality: 0.6, dynamic_degree: 0 });
    expect(dims['a slow pan over a lake-0']).toEqual({ imaging_quality: 0.7, dynamic_degree: 1 });
  });

  it('a results file without a requested dimension is a run error', async () => {
    await writeFile(path.join(dir, 'partial.json'), JSON.stringify({ imaging_quality: [0.5, []] }));
    const metric = `  - name: vbench_official
    params: {results: partial.json, dimensions: [imaging_quality, motion_smoothness]}`;
    const { code, record } = await run('partial', suite(metric));
    expect(code).toBe(1);
    expect(record.errors.join('\n')).toMatch(/no results for dimension motion_smoothness/);
  });

  it('a dimension custom_input refuses is a validate-time error with its position', async () => {
    const file = path.join(dir, 'refused.yaml');
    await writeFile(
      file,
      suite(`  - name: vbench_official
    params:
      results: r.json
      dimensions: [motion_smoothness, object_class]`),
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused\.yaml:\d+:\d+/);
    expect(r.stderr).toMatch(/object_class in custom_input mode/);
  });
});
