import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * Image-to-video tests: a command "model" that logs the {init_image} it was given and animates that very
 * image with ffmpeg, run from a working directory other than the suite's folder.
 */

const IMAGES = ['img/red.png', 'img/green.png', 'img/blue.png'];
const PROMPTS = ['a cat turns its head', 'waves on a beach', 'a car drives by', 'leaves fall'];
const SEEDS = [0, 1, 2];

let dir: string;
let suiteFile: string;

function suite(images: string): string {
  return `version: 1
project: i2v
suite_name: init_images
models:
  - name: still
    adapter: command
    params:
      argv: [sh, -c, 'echo "init_image=$1"; ffmpeg -v error -y -loop 1 -framerate $5 -i "$1" -frames:v $2 -vf scale=$3:$3 -pix_fmt yuv420p "$4"',
             sh, "{init_image}", "{num_frames}", "{width}", "{output}", "{fps}"]
tests:
  - id: i2v
    prompts: ${JSON.stringify(PROMPTS)}
    seeds: ${JSON.stringify(SEEDS)}
    init_images: ${images}
    video: {num_frames: 6, fps: 8, resolution: 64}
metrics:
  - name: vbench_temporal
run: {workers: 4}
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.1
`;
}

/** Runs the suite from the temp root (not the suite folder) and returns each sample's logged image. */
async function runOnce(): Promise<{ record: RunRecord; runDir: string; logged: Map<string, string> }> {
  const r = await runCli(['run', path.relative(dir, suiteFile), '--json', '--artifacts-dir', 'artifacts'], {
    cwd: dir,
  });
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  expect(r.code, r.stderr).toBe(0);
  const runDir = (JSON.parse(r.stdout) as { runs: { run_dir: string }[] }).runs[0]!.run_dir;
  const absRun = path.resolve(dir, runDir);
  const record = JSON.parse(await fs.readFile(path.join(absRun, 'run.json'), 'utf8')) as RunRecord;
  const logged = new Map<string, string>();
  for (const s of record.samples) {
    const log = await fs.readFile(path.join(absRun, 'work', s.sample_id, 'adapter.log'), 'utf8');
    const m = log.match(/^init_image=(.+)$/m);
    expect(m, log).not.toBeNull();
    logged.set(`${s.prompt}|${s.seed}`, m![1]!);
  }
  return { record, runDir: absRun, logged };
}

beforeAll(async () => {
  dir = await tempDir('tci-init-images-');
  const suiteDir = path.join(dir, 'suites');
  await fs.mkdir(path.join(suiteDir, 'img'), { recursive: true });
  for (const img of IMAGES) {
    const colour = path.basename(img, '.png');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', `color=c=${colour}:s=32x32`, '-frames:v', '1'],
      path.join(suiteDir, img),
    ]);
  }
  suiteFile = path.join(suiteDir, 'i2v.yaml');
  await fs.writeFile(suiteFile, suite(JSON.stringify(IMAGES)));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('init_images', () => {
  it('gives every sample one of the images, the same one for the same prompt and seed in every run', async () => {
    const first = await runOnce();
    const expected = IMAGES.map((i) => path.join(dir, 'suites', i));
    expect(first.logged.size).toBe(PROMPTS.length * SEEDS.length);
    for (const image of first.logged.values()) expect(expected).toContain(image);
    // 12 samples over 3 images: a deterministic choice that still uses more than one image.
    expect(new Set(first.logged.values()).size).toBeGreaterThan(1);

    // The videos really were made from the images the logs name: each one's dominant channel is its image's.
    for (const s of first.record.samples) {
      expect(s.error).toBeNull();
      const pixel = execFileSync('ffmpeg', [
        ...['-v', 'error', '-i', path.join(first.runDir, s.video_path!), '-frames:v', '1'],
        ...['-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      ]);
      const channel = ['red', 'green', 'blue'][pixel.indexOf(Math.max(...pixel))];
      expect(first.logged.get(`${s.prompt}|${s.seed}`)).toContain(`/${channel}.png`);
    }

    const second = await runOnce();
    expect(second.logged).toEqual(first.logged);
  });

  it('is checked at validate time, with the file, line and column of the missing image', async () => {
    const bad = path.join(dir, 'suites', 'bad.yaml');
    await fs.writeFile(bad, suite('[img/red.png, img/missing.png]'));
    const r = await runCli(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
    expect(r.stderr).toMatch(/bad\.yaml:14:32/);
    expect(r.stderr).toContain(`init image ${path.join(dir, 'suites', 'img', 'missing.png')} cannot be used`);
  });
});
