import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { runCli, tempDir } from '../support/cli.js';

/**
 * With `artifacts.max_samples`, the videos retention keeps must be the ones report.html leads with: one
 * ranking (src/gates/ranking.ts) decides both, so the top card never shows a deleted video.
 */
let dir: string;

function suite(mockParams: string): string {
  return `version: 1
project: p
suite_name: retention
models:
  - name: m
    adapter: mock
    params: ${mockParams}
tests:
  - id: t
    prompts: ["a red ball bouncing", "a slow pan over a lake"]
    seeds: [0, 1]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker", "motion_smoothness"] }
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.5
  - metric: vbench_temporal.dims.temporal_flicker
    op: ">="
    value: 0.985
    method: paired_test
    params: { min_pairs: 2 }
artifacts:
  max_samples: 2
`;
}

beforeAll(async () => {
  dir = await tempDir('tci-retention-');
  await fs.writeFile(path.join(dir, 'base.yaml'), suite('{}'));
  await fs.writeFile(path.join(dir, 'bad.yaml'), suite('{ noise: 12, judder: 2 }'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(file: string, baselineMode: string): Promise<{ rec: RunRecord; runDir: string }> {
  const json = path.join(dir, `${file}.json`);
  const r = await runCli([
    'run',
    path.join(dir, file),
    '--artifacts-dir',
    path.join(dir, 'artifacts'),
    '--baseline-mode',
    baselineMode,
    '--no-progress',
    '--output-json',
    json,
  ]);
  expect(r.code === 0 || r.code === 2, r.stdout + r.stderr).toBe(true);
  const rec = (JSON.parse(await fs.readFile(json, 'utf8')) as { runs: RunRecord[] }).runs[0]!;
  return { rec, runDir: path.join(dir, 'artifacts', 'p', 'retention', 'm', rec.run_id) };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

describe('artifacts.max_samples: 2 (built CLI, mock model)', () => {
  it('keeps exactly the two videos report.html shows first', async () => {
    await run('base.yaml', 'none');
    const { rec, runDir } = await run('bad.yaml', 'latest');
    expect(rec.baseline.run_id).not.toBeNull();
    expect(rec.samples).toHaveLength(4);
    const kept = rec.samples.filter((s) => s.retained).map((s) => s.sample_id);
    expect(kept).toHaveLength(2);

    const html = await fs.readFile(path.join(runDir, 'report.html'), 'utf8');
    const cards = [...html.matchAll(/<article class="card sample-card" id="sample-([^"]+)">/g)].map(
      (m) => m[1],
    );
    expect(cards).toHaveLength(4);
    expect(new Set(cards.slice(0, 2))).toEqual(new Set(kept));

    for (const s of rec.samples) {
      const file = path.join(runDir, s.video_path!);
      expect(await exists(file), `${s.sample_id} retained=${s.retained}`).toBe(s.retained);
    }
    // The cards after the kept ones say why their candidate video is missing, instead of a broken player.
    const lastCard = html.slice(html.indexOf(`id="sample-${cards[3]}"`));
    expect(lastCard).toContain('not kept by the retention policy');
  });
});

describe('a baseline that kept only some videos, under a frame-by-frame metric', () => {
  it('warns which baseline kept no video for how many paired samples, in run.json', async () => {
    const text = suite('{}')
      .replace('metrics:\n', 'metrics:\n  - name: vs_baseline\n')
      .replace('suite_name: retention', 'suite_name: retention-vs');
    await fs.writeFile(path.join(dir, 'vs.yaml'), text);
    const base = await run('vs.yaml', 'none');
    const { rec } = await run('vs.yaml', 'latest');
    expect(rec.baseline.run_id).toBe(base.rec.run_id);
    const warning = rec.warnings.find((w) => w.startsWith('vs_baseline: baseline run'));
    expect(warning).toBe(
      `vs_baseline: baseline run ${base.rec.run_id} kept no video for 2 of the 4 samples that pair with it, so they are not compared frame by frame; keep baseline videos with \`artifacts.video: all\` (the default)`,
    );
    const paired = rec.samples.filter((s) => (s.metrics.vs_baseline as { paired: number }).paired === 1);
    expect(paired.map((s) => s.sample_id).sort()).toEqual(
      base.rec.samples
        .filter((s) => s.retained)
        .map((s) => s.sample_id)
        .sort(),
    );
  });
});
