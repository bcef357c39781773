import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, REPO_ROOT, runCli, tempDir } from '../support/cli.js';

/**
 * Moving from the original TemporalCI: its example suites load unchanged, and its `run` flags, project
 * config and calibration JSON are accepted (docs/migrating.md).
 */
const ORIGINAL = path.join(REPO_ROOT, 'test', 'fixtures', 'original');
const SUITES = [
  'regression_core',
  'regression_core_degraded',
  'regression_sprt',
  'safetybench_prompt_source',
  'svd_regression',
  'svd_regression_degraded',
  'svd_regression_fast',
  'svd_regression_fast_degraded',
];

let tmp: string;
beforeAll(async () => {
  tmp = await tempDir('tci-migration-');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('the original example suites', () => {
  it.each(SUITES)('%s validates unchanged, run from the original repository layout', async (name) => {
    const r = await runCli(['validate', `examples/${name}.yaml`], { cwd: ORIGINAL });
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid suite: /);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('reads the SVD suites as the diffusers adapter, with a warning per translated key', async () => {
    const r = await runCli(['validate', 'examples/svd_regression.yaml'], { cwd: ORIGINAL });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('models=1 tests=1 samples/model=6');
    expect(r.stderr).toMatch(/line 9 {2}models\[0\]\.params\.checkpoint: read as `model_id`/);
    expect(r.stderr).toMatch(/tests\[0\]\.video\.num_inference_steps: read as `models\[0\]\.params\.steps`/);
    expect(r.stderr).toContain('init image "assets/init/rain.png" was found in the working directory');
  });

  it('finds prompt_source.suite_root in the working directory with a warning, and says where it looked', async () => {
    const r = await runCli(['validate', 'examples/safetybench_prompt_source.yaml'], { cwd: ORIGINAL });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('samples/model=30');
    expect(r.stderr).toMatch(
      /safetybench_prompt_source\.yaml:17: prompt_source\.suite_root "vendor\/T2VSafetyBench" was found in the working directory/,
    );
    // From elsewhere neither the suite folder nor the working directory has it: an error at its line.
    const elsewhere = await runCli(
      ['validate', path.join(ORIGINAL, 'examples', 'safetybench_prompt_source.yaml')],
      { cwd: tmp },
    );
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(
      /safetybench_prompt_source\.yaml:17:\d+ {2}tests\[0\]\.prompt_source\.suite_root/,
    );
  });

  it('a missing torch is a run-time hint (exit 1), not a validation error', async () => {
    // A python3 without site-packages: torch is missing whether or not this machine has it.
    const bin = path.join(tmp, 'bin');
    await fs.mkdir(bin, { recursive: true });
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();
    await fs.writeFile(path.join(bin, 'python3'), `#!/bin/sh\nexec ${python} -S "$@"\n`);
    await fs.chmod(path.join(bin, 'python3'), 0o755);
    const r = await runCli(
      ['run', 'examples/svd_regression_fast.yaml', '--artifacts-dir', path.join(tmp, 'svd'), '--no-report'],
      { cwd: ORIGINAL, env: { PATH: `${bin}:${process.env.PATH}`, PYTHONPATH: undefined } },
    );
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/python package '\w+' is not installed/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
