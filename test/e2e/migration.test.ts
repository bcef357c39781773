import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, hasStackTrace, REPO_ROOT, runCli, tempDir, tinySuite } from '../support/cli.js';

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

const TWO_MODELS = `  - name: m1
    adapter: mock
    params: {}
  - name: m2
    adapter: mock
    params: {}`;
const gate = (value: number) => `  - metric: vbench_temporal.score
    op: ">="
    value: ${value}`;

async function project(name: string, suite: string, config?: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 's.yaml'), suite);
  if (config !== undefined) await fs.writeFile(path.join(dir, '.temporalci.yaml'), config);
  return dir;
}

async function runIds(modelRoot: string): Promise<string[]> {
  const names = await fs.readdir(modelRoot).catch(() => [] as string[]);
  return names.filter((n) => /^\d{8}T/.test(n)).sort();
}

async function record(modelRoot: string, id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(path.join(modelRoot, id, 'run.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

describe("run with the original's project config and flags", () => {
  it('.temporalci.yaml gives the defaults, the original flags are read as ours, --fail-fast stops after m1', async () => {
    const dir = await project(
      'config',
      tinySuite({ models: TWO_MODELS, gates: gate(0.999) }),
      'run:\n  artifacts_dir: art\n  retry: 2\n  no_progress: true\n  env: ci-box\n',
    );
    const r = await runCli(['run', 's.yaml', '--fail-fast', '--adapter-timeout', '60', '--ci'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("run.retry in .temporalci.yaml (the original's): read as --retries 1");
    expect(r.stderr).toContain(
      "--adapter-timeout 60 is the original TemporalCI's flag: read as --timeout 60",
    );
    expect(r.stderr).toContain('fail-fast: m1 is FAIL; not run: m2');
    const m1 = path.join(dir, 'art', 'tiny', 'smoke', 'm1');
    const [id] = await runIds(m1);
    const rec = await record(m1, id!);
    expect(rec.settings).toMatchObject({ retries: 1, timeout_s: 60 });
    expect(rec.note).toBe('env: ci-box');
    expect(await runIds(path.join(dir, 'art', 'tiny', 'smoke', 'm2'))).toEqual([]);
  });

  it('a flag on the command line beats --config; --prune-keep-last keeps the newest runs', async () => {
    const dir = await project('prune', tinySuite({ gates: gate(0.5) }));
    await fs.writeFile(path.join(dir, 'ci.yaml'), 'run:\n  artifacts_dir: ignored\n  baseline_mode: none\n');
    const args = ['run', 's.yaml', '--config', 'ci.yaml', '--artifacts-dir', 'art', '--prune-keep-last', '1'];
    const first = await runCli(args, { cwd: dir });
    expect(first.code).toBe(0);
    const second = await runCli(args, { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/pruned m1: kept=1 deleted=1/);
    const m1 = path.join(dir, 'art', 'tiny', 'smoke', 'm1');
    expect(await runIds(m1)).toHaveLength(1);
    await expect(fs.stat(path.join(dir, 'ignored'))).rejects.toThrow();
  });

  it('a quoted "false" in the project config is an error at its position (exit 1)', async () => {
    const dir = await project('bad', tinySuite(), 'run:\n  fail_fast: "false"\n');
    const r = await runCli(['run', 's.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.temporalci\.yaml:2:14 {2}run\.fail_fast: wrong type/);
    expect(r.stderr).toContain('found string "false"');
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it('--watch runs again when the suite changes; Ctrl-C exits with the last verdict', async () => {
    const dir = await project('watch', tinySuite({ gates: gate(0.5) }));
    const child = spawn(process.execPath, [CLI, 'run', 's.yaml', '--watch', '0.2', '--no-progress'], {
      cwd: dir,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Polled, not event-driven: stdout and stderr are two pipes, so the verdict on stdout may arrive after
    // the "watching" line that follows it on stderr.
    const until = async (re: RegExp, text: () => string) => {
      for (let i = 0; i < 600 && !re.test(text()); i++) await delay(100);
      return text();
    };
    const waitFor = (re: RegExp) => until(re, () => stderr);
    const stdoutHas = (re: RegExp) => until(re, () => stdout);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waitFor(/watching s\.yaml/);
    expect(await stdoutHas(/^PASS /m)).toMatch(/^PASS /m);
    await fs.writeFile(path.join(dir, 's.yaml'), tinySuite({ gates: gate(0.999) }));
    await waitFor(/watching s\.yaml[\s\S]*watching s\.yaml/);
    expect(await stdoutHas(/^FAIL /m)).toMatch(/^FAIL /m);
    child.kill('SIGINT');
    expect(await exited).toBe(2);
  });
});

/** A calibration as the original's `sprt calibrate` wrote it (reference §4.8), for `suite`'s bytes. */
function originalCalibration(suite: Buffer): Record<string, unknown> {
  return {
    schema_version: 1,
    tool: { name: 'temporalci.sprt_calibration', version: '0.1.0' },
    exit_code_semantics: { '0': 'ok', '1': 'input_or_runtime_error', '2': 'check_failed' },
    generated_at_utc: '2026-11-22T07:13:02+00:00',
    suite_path: 'examples/regression_sprt.yaml',
    suite_hash_sha1: createHash('sha1').update(suite).digest('hex'),
    gate_metric: 'vbench_temporal.dims.motion_smoothness',
    model_name: 'demo_mock_model',
    runs_requested: 3,
    runs_completed: 3,
    delta_summary: { count: 36, mean: 0, std: 0, mad_sigma: 0, min: 0, p50: 0, p90: 0, p95: 0, max: 0 },
    sigma_candidates: { sigma_hat_std: 0, sigma_hat_mad: 0, sigma_floor: 0.01, recommended_sigma: 0.01 },
    recommended_params: {
      sigma_mode: 'fixed',
      sigma: 0.023,
      min_pairs: 7,
      min_paired_ratio: 1,
      pairing_mismatch: 'fail',
      effect_size: 0.03,
      alpha: 0.05,
      beta: 0.1,
    },
    run_summaries: [],
    mismatch_runs: 0,
    notes: ['Recommended sigma may be optimistic (zero variance).'],
  };
}

describe("the original's calibration JSON and tag flags", () => {
  it('sprt check and sprt apply read it (SHA-1 suite hash, gate found by metric)', async () => {
    const dir = path.join(tmp, 'calibration');
    await fs.mkdir(dir, { recursive: true });
    const suite = path.join(dir, 'regression_sprt.yaml');
    await fs.copyFile(path.join(ORIGINAL, 'examples', 'regression_sprt.yaml'), suite);
    const cal = path.join(dir, 'sprt_calibration.json');
    await fs.writeFile(cal, JSON.stringify(originalCalibration(await fs.readFile(suite))));
    const check = await runCli(['sprt', 'check', '--calibration-json', cal]);
    expect(check.code).toBe(0);
    const out = path.join(dir, 'out.yaml');
    const apply = await runCli(['sprt', 'apply', '--suite', suite, '--calibration-json', cal, '--out', out]);
    expect(apply.stderr).not.toMatch(/error/);
    expect(apply.code).toBe(0);
    const text = await fs.readFile(out, 'utf8');
    expect(text).toMatch(/sigma: 0\.023/);
    expect(text).toMatch(/min_pairs: 7/);
    // A changed suite is refused, as the original did (exit 2).
    await fs.appendFile(suite, '\n');
    const stale = await runCli(['sprt', 'apply', '--suite', suite, '--calibration-json', cal, '--out', out]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('suite hash mismatch');
  });

  it('tag set --name/--run-id and tag delete --name work like the arguments', async () => {
    const dir = await project('tags', tinySuite({ gates: gate(0.5) }));
    const run = await runCli(['run', 's.yaml', '--artifacts-dir', 'art', '--sample', '1'], { cwd: dir });
    expect(run.code).toBe(0);
    const root = path.join(dir, 'art', 'tiny', 'smoke', 'm1');
    const [id] = await runIds(root);
    const set = await runCli(['tag', 'set', '--model-root', root, '--name', 'golden', '--run-id', id!]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`tag golden -> ${id}`);
    const list = await runCli(['tag', 'list', '--model-root', root, '--json']);
    expect(JSON.parse(list.stdout)).toEqual({ golden: id });
    const twice = await runCli(['tag', 'set', 'other', id!, '--model-root', root, '--name', 'golden']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('the tag name is given twice');
    const del = await runCli(['tag', 'delete', '--model-root', root, '--name', 'golden']);
    expect(del.code).toBe(0);
    const after = await runCli(['tag', 'list', '--model-root', root, '--json']);
    expect(JSON.parse(after.stdout)).toEqual({});
  });
});
