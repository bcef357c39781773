import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { runCli, tempDir } from '../support/cli.js';

/**
 * A failed sample's output never stays in `videos/`, where reports, retention and CI uploads treat files as
 * results: it is moved to `work/<sample>/rejected/` beside a `reason.txt`, or deleted with
 * `artifacts.video: none`. A real command model writes each kind of broken file; ffmpeg makes the good one.
 */
let dir: string;

const MODEL = `#!/bin/sh
# $1 = what to write, $2 = the output path
case "$1" in
  empty) : > "$2"; exit 0 ;;
  text) echo "<html>not a video</html>" > "$2"; exit 0 ;;
  truncated) head -c 1500 "$GOOD" > "$2"; exit 0 ;;
  wrong-size) cp "$BIG" "$2"; exit 0 ;;
  half) head -c 3000 "$GOOD" > "$2"; echo "killed mid-write" >&2; exit 1 ;;
  good) cp "$GOOD" "$2"; exit 0 ;;
esac
exit 3
`;

const KINDS = ['empty', 'text', 'truncated', 'wrong-size', 'half'] as const;

function suite(video: 'all' | 'none'): string {
  return `version: 1
project: p
suite_name: broken-${video}
models:
  - name: m
    adapter: command
    params:
      argv: ["sh", "${path.join(dir, 'model.sh')}", "{prompt}", "{output}"]
      env: { GOOD: "${path.join(dir, 'good.mp4')}", BIG: "${path.join(dir, 'big.mp4')}" }
tests:
  - id: t
    prompts: [${[...KINDS, 'good'].map((k) => `"${k}"`).join(', ')}]
    seeds: [0]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.1
run:
  max_failed_ratio: 1
artifacts:
  video: ${video}
`;
}

function encode(file: string, size: number): void {
  execFileSync('ffmpeg', [
    ...['-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc=size=${size}x${size}:rate=8`, '-frames:v', '6', '-pix_fmt', 'yuv420p', file],
  ]);
}

beforeAll(async () => {
  dir = await tempDir('tci-broken-');
  await fs.writeFile(path.join(dir, 'model.sh'), MODEL);
  encode(path.join(dir, 'good.mp4'), 64);
  encode(path.join(dir, 'big.mp4'), 96);
  await fs.writeFile(path.join(dir, 'all.yaml'), suite('all'));
  await fs.writeFile(path.join(dir, 'none.yaml'), suite('none'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(file: string): Promise<{ rec: RunRecord; runDir: string }> {
  const json = path.join(dir, `${file}.json`);
  const artifacts = path.join(dir, 'artifacts');
  const r = await runCli([
    'run',
    path.join(dir, file),
    '--artifacts-dir',
    artifacts,
    '--no-progress',
    '--output-json',
    json,
  ]);
  expect(r.stderr).not.toContain('internal error');
  const rec = (JSON.parse(await fs.readFile(json, 'utf8')) as { runs: RunRecord[] }).runs[0]!;
  return { rec, runDir: path.join(artifacts, 'p', rec.suite_name, 'm', rec.run_id) };
}

async function list(folder: string): Promise<string[]> {
  return (await fs.readdir(folder).catch(() => [] as string[])).sort();
}

describe('broken outputs of failed samples (built CLI, command model)', () => {
  it('are moved to work/<sample>/rejected/ with a reason, never left in videos/', async () => {
    const { rec, runDir } = await run('all.yaml');
    const byPrompt = new Map(rec.samples.map((s) => [s.prompt, s]));
    const good = byPrompt.get('good')!;
    expect(good.error).toBeNull();
    // videos/ holds the one measured video and nothing else.
    expect(await list(path.join(runDir, 'videos'))).toEqual([path.basename(good.video_path!)]);
    for (const kind of KINDS) {
      const s = byPrompt.get(kind)!;
      expect(s.error, kind).not.toBeNull();
      expect(s.video_path, kind).toBeNull();
      const rejected = path.join(runDir, 'work', s.sample_id, 'rejected');
      expect(await list(rejected), kind).toEqual([`${s.sample_id}.mp4`, 'reason.txt']);
      const reason = await fs.readFile(path.join(rejected, 'reason.txt'), 'utf8');
      expect(reason, kind).toContain(`failed at stage ${s.error!.stage} (${s.error!.code})`);
      expect(reason, kind).toContain(s.error!.message);
      expect(s.metadata.rejected_output).toBe(`work/${s.sample_id}/rejected/${s.sample_id}.mp4`);
    }
    // What was rejected is what the model wrote (the text stays text, the cut file its cut size).
    const text = byPrompt.get('text')!;
    expect(
      await fs.readFile(
        path.join(runDir, 'work', text.sample_id, 'rejected', `${text.sample_id}.mp4`),
        'utf8',
      ),
    ).toContain('not a video');
    const cut = byPrompt.get('truncated')!;
    const st = await fs.stat(path.join(runDir, 'work', cut.sample_id, 'rejected', `${cut.sample_id}.mp4`));
    expect(st.size).toBe(1500);
  });

  it('are deleted with artifacts.video: none', async () => {
    const { rec, runDir } = await run('none.yaml');
    expect(await list(path.join(runDir, 'videos'))).toEqual([]);
    for (const s of rec.samples.filter((x) => x.error !== null)) {
      expect(await list(path.join(runDir, 'work', s.sample_id, 'rejected'))).toEqual([]);
      expect(s.video_path).toBeNull();
      expect(s.metadata.rejected_output).toBeUndefined();
    }
    expect(rec.samples.filter((s) => s.error !== null)).toHaveLength(KINDS.length);
  });
});
