import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { REPO_ROOT, runCli, runSuiteText, tempDir } from '../support/cli.js';

/** A stand-in for VBench's evaluate.py: its argument parser, modes and output file naming (see its header). */
const STANDIN = path.join(REPO_ROOT, 'test/fixtures/vbench-standin/evaluate.py');
const vbenchArgv = (...extra: string[]) =>
  JSON.stringify([
    ...extra,
    'python3',
    STANDIN,
    ...['--videos_path', '{videos}', '--dimension', '{dimensions}'],
    ...['--mode', '{mode}', '--output_path', '{output}'],
  ]);

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-vbench-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const suite = (
  metric: string,
  gate = '',
  opts: { prompts?: string[]; seeds?: number[]; params?: string; extra?: string } = {},
) => `version: 1
project: vb
suite_name: bridge
models:
  - name: m
    adapter: mock
    params: {${opts.params ?? ''}}
tests:
  - id: t
    prompts: ${JSON.stringify(opts.prompts ?? ['a red ball bouncing', 'a slow pan over a lake'])}
    seeds: ${JSON.stringify(opts.seeds ?? [0, 1])}
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
${opts.extra ?? ''}`;

const run = (name: string, text: string) => runSuiteText(dir, name, text);

const key = (s: RunRecord['samples'][number]) => `${s.prompt}-${s.seed}`;

type Dims = Record<string, number | null>;
const dimsBySample = (record: RunRecord): Record<string, Dims> =>
  Object.fromEntries(record.samples.map((s) => [key(s), s.metrics.vbench_official?.dims as Dims]));

describe('vbench_official on the built CLI', () => {
  it('ingests an eval_results.json and maps per-video results to samples by <prompt>-<i>.mp4', async () => {
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
    const dims = dimsBySample(record);
    expect(dims['a red ball bouncing-0']?.imaging_quality).toBeCloseTo(0.5649, 12); // 56.49 / 100
    expect(dims['a red ball bouncing-0']?.subject_consistency).toBe(0.9);
    expect(dims['a slow pan over a lake-1']).toEqual({ imaging_quality: 0.7, subject_consistency: null });
    const summary = record.metrics.vbench_official?.values;
    expect(summary?.aggregate).toEqual({ imaging_quality: 0.6687, subject_consistency: 0.82 });
    expect(summary?.score).toBeCloseTo((0.6687 + 0.82) / 2, 12);
    expect(summary).toMatchObject({
      videos_matched: 1,
      videos_unmatched: 0,
      non_finite: { imaging_quality: 0, subject_consistency: 0 },
    });
    expect((await readdir(path.join(runDir, 'vbench_official', 'videos'))).sort()).toEqual([
      'a red ball bouncing-0.mp4',
      'a red ball bouncing-1.mp4',
      'a slow pan over a lake-0.mp4',
      'a slow pan over a lake-1.mp4',
    ]);
  });

  it('ingests the newest results file of a folder, with read_frame paths and a NaN dimension', async () => {
    const folder = path.join(dir, 'gpu-output');
    await mkdir(folder, { recursive: true });
    // Python's json.dump: NaN where temporal_flickering's np.mean got no video; read_frame's frame folders.
    await writeFile(
      path.join(folder, 'results_2026-01-01-09:00:00_eval_results.json'),
      `{"subject_consistency": [0.1, []], "temporal_flickering": [0.1, []]}`,
    );
    const newest = path.join(folder, 'results_2026-01-02-09:00:00_eval_results.json');
    await writeFile(
      newest,
      `{
    "subject_consistency": [
        0.95,
        [
            {"video_path": "/gpu/vbench/frames/a_red_ball_bouncing-0", "video_results": 0.96},
            {"video_path": "/gpu/vbench/frames/a_red_ball_bouncing-1", "video_results": 0.94},
            {"video_path": "/gpu/vbench/frames/a_slow_pan_over_a_lake-0", "video_results": 0.97},
            {"video_path": "/gpu/vbench/frames/a_slow_pan_over_a_lake-1", "video_results": NaN},
            {"video_path": "/gpu/vbench/frames/a_horse-0", "video_results": 0.5}
        ]
    ],
    "temporal_flickering": [
        NaN,
        []
    ]
}`,
    );
    const metric = `  - name: vbench_official
    params: {results: gpu-output, dimensions: [subject_consistency, temporal_flickering]}`;
    const gate = `  - metric: vbench_official.dims.subject_consistency
    op: ">="
    value: 0.9`;
    const { code, record, runDir } = await run('ingest-folder', suite(metric, gate));
    expect(record.errors).toEqual([]);
    expect(code).toBe(0); // one NaN no longer loses every dimension
    const dims = dimsBySample(record);
    expect(dims['a red ball bouncing-1']).toEqual({ subject_consistency: 0.94, temporal_flickering: null });
    expect(dims['a slow pan over a lake-0']?.subject_consistency).toBe(0.97);
    expect(dims['a slow pan over a lake-1']?.subject_consistency).toBeNull();
    expect(record.metrics.vbench_official?.values).toMatchObject({
      aggregate: { subject_consistency: 0.95, temporal_flickering: null },
      score: null,
      videos_unmatched: 1,
      non_finite: { subject_consistency: 1, temporal_flickering: 1 },
    });
    const bridge = JSON.parse(await readFile(path.join(runDir, 'vbench_official', 'bridge.json'), 'utf8'));
    expect(bridge).toMatchObject({
      results_file: newest,
      matched_via_read_frame: 4,
      unmatched: ['a_horse-0'],
    });
    expect(bridge.warnings.join('\n')).toMatch(/temporal_flickering: VBench reported NaN as its aggregate/);
    expect(bridge.warnings.join('\n')).toMatch(/1 of VBench's 5 per-video results matched no exported video/);
    // The same warnings reach run.json (and so the summary and the report), not only the bridge's file.
    const warned = record.warnings.join('\n');
    expect(warned).toMatch(
      /metric vbench_official: temporal_flickering: VBench reported NaN as its aggregate/,
    );
    expect(warned).toMatch(/metric vbench_official: 1 of VBench's 5 per-video results matched no exported/);
  });

  it("runs VBench's evaluate.py (custom_input) on .mp4 exports of .webm videos and finds its timestamped results", async () => {
    const metric = `  - name: vbench_temporal
    params: {dims: [temporal_flicker]}
  - name: vbench_official
    params:
      command: ${vbenchArgv()}
      dimensions: [temporal_flickering, dynamic_degree, imaging_quality]`;
    const gate = `  - metric: vbench_official.dims.imaging_quality
    op: ">="
    value: 0`;
    const { code, record, runDir } = await run(
      'command',
      suite(metric, gate, { params: 'codec: vp9', extra: 'artifacts:\n  encode: vp9\n' }),
    );
    expect(record.errors).toEqual([]);
    expect(code).toBe(0);
    const work = path.join(runDir, 'vbench_official');
    expect((await readdir(path.join(work, 'videos'))).every((f) => f.endsWith('.mp4'))).toBe(true);
    const outputs = await readdir(path.join(work, 'output'));
    expect(outputs.sort()).toEqual([
      expect.stringMatching(/^results_\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d_eval_results\.json$/),
      expect.stringMatching(/^results_\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d_full_info\.json$/),
    ]);
    const bridge = JSON.parse(await readFile(path.join(work, 'bridge.json'), 'utf8'));
    expect(Object.values(bridge.videos).map((v) => (v as { export: string }).export)).toEqual(
      Array(4).fill('remuxed'),
    );
    expect(bridge.command).toContain('temporal_flickering'); // {dimensions}: one argument per dimension
    // VBench's temporal_flickering formula, run by the stand-in on the exported file, is ours per sample:
    // a sample mapped to another one's video would differ (the mock draws every prompt and seed apart).
    const flicker = new Set<number>();
    for (const s of record.samples) {
      const ours = s.metrics.vbench_temporal?.dims as Dims;
      const theirs = s.metrics.vbench_official?.dims as Dims;
      expect(theirs.temporal_flickering).toBeCloseTo(ours.temporal_flicker as number, 9);
      expect([0, 1]).toContain(theirs.dynamic_degree);
      flicker.add(theirs.temporal_flickering as number);
    }
    expect(flicker.size).toBe(4);
    expect(record.metrics.vbench_official?.values).toMatchObject({ videos_matched: 4, videos_unmatched: 0 });
  });

  it('a NaN dimension from VBench is null for that dimension only (the run still passes on the others)', async () => {
    const metric = `  - name: vbench_official
    params:
      command: ${vbenchArgv('env', 'VBENCH_STANDIN_OPENCV_FAILS=1')}
      dimensions: [temporal_flickering, imaging_quality]`;
    const gate = `  - metric: vbench_official.dims.imaging_quality
    op: ">="
    value: 0`;
    const { code, record } = await run('command-nan', suite(metric, gate));
    expect(record.errors).toEqual([]);
    expect(code).toBe(0);
    for (const d of Object.values(dimsBySample(record))) {
      expect(d.temporal_flickering).toBeNull();
      expect(d.imaging_quality).toBeGreaterThan(0);
    }
    expect(record.metrics.vbench_official?.values).toMatchObject({
      aggregate: { temporal_flickering: null },
      non_finite: { temporal_flickering: 1, imaging_quality: 0 },
    });
  });

  it('vbench_standard: seeds ranked to <prompt>-0..4.mp4, only the suite prompts of each dimension are read', async () => {
    const metric = `  - name: vbench_official
    params:
      mode: vbench_standard
      command: ${vbenchArgv()}
      dimensions: [temporal_flickering, subject_consistency]`;
    const gate = `  - metric: vbench_official.aggregate.temporal_flickering
    op: ">="
    value: 0`;
    const prompts = ['In a still frame, a stop sign', 'a person swimming in ocean', 'a red ball bouncing'];
    const { code, record, runDir } = await run('standard', suite(metric, gate, { prompts, seeds: [3, 8] }));
    expect(record.errors).toEqual([]);
    expect(code).toBe(0);
    const dims = dimsBySample(record);
    for (const seed of [3, 8]) {
      expect(dims[`In a still frame, a stop sign-${seed}`]?.temporal_flickering).toBeGreaterThan(0.5);
      expect(dims[`In a still frame, a stop sign-${seed}`]?.subject_consistency).toBeNull();
      expect(dims[`a person swimming in ocean-${seed}`]?.subject_consistency).toBeGreaterThan(0);
      expect(dims[`a person swimming in ocean-${seed}`]?.temporal_flickering).toBeNull();
      expect(dims[`a red ball bouncing-${seed}`]).toEqual({
        temporal_flickering: null,
        subject_consistency: null,
      });
    }
    const work = path.join(runDir, 'vbench_official');
    expect((await readdir(path.join(work, 'videos'))).sort()).toContain('a person swimming in ocean-1.mp4');
    // VBench asks for 5 per prompt and says which ones it missed.
    expect(await readFile(path.join(work, 'vbench.log'), 'utf8')).toMatch(
      /required video is not found!.*In a still frame, a stop sign-2\.mp4/,
    );
  });

  it('a results file without a requested dimension is a run error', async () => {
    await writeFile(path.join(dir, 'partial.json'), JSON.stringify({ imaging_quality: [0.5, []] }));
    const metric = `  - name: vbench_official
    params: {results: partial.json, dimensions: [imaging_quality, motion_smoothness]}`;
    const { code, record } = await run('partial', suite(metric));
    expect(code).toBe(1);
    expect(record.errors.join('\n')).toMatch(/no results for dimension motion_smoothness/);
  });

  it("refused dimensions and 'mode: standard' are validate-time errors with their position", async () => {
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
    await writeFile(
      file,
      suite(`  - name: vbench_official
    params: {results: r.json, mode: standard}`),
    );
    const s = await runCli(['validate', file]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/params\.mode: not one of the allowed values/);
    expect(s.stderr).toMatch(/`custom_input`, `vbench_standard`, `vbench_category`, found string "standard"/);
  });
});
