import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type CliResult, runCli, tempDir } from './cli.js';

/**
 * Two real runs of a small mock suite (128×128, 9 frames, 3 samples): a clean baseline, then a degraded
 * candidate (noise 12, judder 2), so reports have regressed pairs of real, playable videos.
 */

export function reportSuite(params: string, extra = ''): string {
  return `version: 1
project: demo
suite_name: report_e2e
models:
  - name: m1
    adapter: mock
    params: ${params}
tests:
  - id: t1
    prompts: ["a red <ball> & \\"friends\\" bouncing", "waves on a beach"]
    seeds: [0, 1]
    video: { num_frames: 9, fps: 6, resolution: 128 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker", "motion_smoothness", "subject_consistency"] }
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.9
  - metric: vbench_temporal.dims.temporal_flicker
    op: ">="
    value: 0.985
${extra}`;
}

export interface Fixture {
  dir: string;
  artifacts: string;
  modelRoot: string;
  baseSuite: string;
  badSuite: string;
}

export async function makeFixture(prefix: string, extra = ''): Promise<Fixture> {
  const dir = await tempDir(prefix);
  const baseSuite = path.join(dir, 'base.yaml');
  const badSuite = path.join(dir, 'bad.yaml');
  await fs.writeFile(baseSuite, reportSuite('{}', extra));
  await fs.writeFile(badSuite, reportSuite('{ noise: 12, judder: 2 }', extra));
  const artifacts = path.join(dir, 'artifacts');
  return { dir, artifacts, modelRoot: path.join(artifacts, 'demo', 'report_e2e', 'm1'), baseSuite, badSuite };
}

export function runSuiteCli(
  f: Fixture,
  suite: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return runCli(['run', suite, '--artifacts-dir', f.artifacts, '--no-progress', '--sample', '3', ...args], {
    cwd: f.dir,
    env: { GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: undefined, ...env },
  });
}

/** Run ids of the model, oldest first (from index.json, the history's single source). */
export async function runIds(f: Fixture): Promise<string[]> {
  const index = JSON.parse(await fs.readFile(path.join(f.modelRoot, 'index.json'), 'utf8')) as {
    runs: { run_id: string }[];
  };
  return index.runs.map((r) => r.run_id);
}
