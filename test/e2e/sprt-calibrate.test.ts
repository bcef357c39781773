import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, sprtSuite } from './sprt-helpers.js';

let calStderr = '';
let dir: string;
let suite: string;
let original: string;
let calJson: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-sprt-cal-'));
  suite = path.join(dir, 'suite.yaml');
  // 6 samples: the engine cost of calibration, not its statistics, is what this exercises.
  original = sprtSuite({ prompts: 3, seeds: [0, 1], gateParams: 'sigma: 0.05  # to be calibrated' });
  await fs.writeFile(suite, original);
  calJson = path.join(dir, 'cal.json');
  const r = await cli([
    'sprt',
    'calibrate',
    '--suite',
    suite,
    '--runs',
    '1',
    '--artifacts-dir',
    path.join(dir, 'artifacts'),
    '--output-json',
    calJson,
  ]);
  if (r.code !== 0) throw new Error(`calibrate failed (${r.code}): ${r.stderr}`);
  calStderr = r.stderr;
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('sprt calibrate / apply / check (built CLI)', () => {
  it('reports its own no-change runs as calibration data, not verdicts', async () => {
    const cal = JSON.parse(await fs.readFile(calJson, 'utf8'));
    expect(cal.calibration_runs.runs.map((r: { role: string }) => r.role)).toEqual(['baseline', 'no_change']);
    expect(cal.calibration_runs.meaning).toMatch(/not verdicts/);
    expect(JSON.stringify(cal.calibration_runs)).not.toMatch(/status|PASS|FAIL/);
    expect(calStderr).toMatch(
      /calibration run 1\/1: \S+ measured 6 sample\(s\) \(calibration data: no gate evaluated\)/,
    );
    expect(calStderr).not.toMatch(/\bFAIL\b|\bPASS\b/);
  });

  it('writes a schema-2 calibration with the suite hash, deltas and pairing quality', async () => {
    const file = JSON.parse(await fs.readFile(calJson, 'utf8'));
    expect(file.schema_version).toBe(2);
    expect(file.gates).toHaveLength(1);
    const cal = { ...file, ...file.gates[0] };
    expect(cal.gate_index).toBe(0);
    expect(cal.tool.name).toBe('temporalci.sprt_calibration');
    expect(cal.exit_code_semantics).toEqual({
      '0': 'ok',
      '1': 'input_or_runtime_error',
      '2': 'check_failed',
    });
    expect(cal.suite_hash).toBe(createHash('sha256').update(original).digest('hex'));
    expect(cal.delta_summary.count).toBe(6);
    expect(cal.run_summaries).toHaveLength(1);
    expect(cal.run_summaries[0].paired_ratio).toBe(1);
    // The mock is deterministic: σ = 0 → sigma_floor, and a note says the estimate is optimistic.
    expect(cal.recommended_params.sigma).toBe(0.01);
    expect(cal.notes.join(' ')).toMatch(/optimistic/);
  });

  it('check exits 2 below the floors and 0 above them', async () => {
    const low = await cli(['sprt', 'check', '--calibration-json', calJson, '--min-total-deltas', '100']);
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(
      /check_failed: gates\[0\] vbench_temporal.dims.motion_smoothness: min_total_deltas: 6 deltas < 100/,
    );
    const sig = await cli([
      'sprt',
      'check',
      '--calibration-json',
      calJson,
      '--min-recommended-sigma',
      '0.02',
    ]);
    expect(sig.code).toBe(2);
    const ok = await cli([
      'sprt',
      'check',
      '--calibration-json',
      calJson,
      '--min-total-deltas',
      '6',
      '--max-mismatch-runs',
      '0',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('check_passed');
  });

  // --output is the flag's name; --out, its earlier name, stays as a hidden alias.
  it.each(['--output', '--out'])(
    'apply %s changes only the calibrated values; comments and layout survive',
    async (flag) => {
      const out = path.join(dir, `calibrated${flag}.yaml`);
      const r = await cli(['sprt', 'apply', '--suite', suite, '--calibration-json', calJson, flag, out]);
      expect(r.code, r.stderr).toBe(0);
      const text = await fs.readFile(out, 'utf8');
      const expected = original
        .replace('sigma: 0.05  # to be calibrated', 'sigma: 0.01  # to be calibrated')
        .replace('baseline_missing: skip', 'baseline_missing: skip\n      min_pairs: 6');
      expect(text).toBe(expected);
      expect(text).toContain('# SPRT e2e suite: this comment must survive sprt apply');
      expect((await cli(['validate', out])).code).toBe(0);
    },
  );

  it('refuses a changed suite (exit 2) unless --force; --in-place keeps a backup', async () => {
    const changed = `${original}# edited after calibration\n`;
    await fs.writeFile(suite, changed);
    const out = path.join(dir, 'refused.yaml');
    const refused = await cli([
      'sprt',
      'apply',
      '--suite',
      suite,
      '--calibration-json',
      calJson,
      '--out',
      out,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/hash mismatch.*--force/);
    await expect(fs.access(out)).rejects.toThrow();
    const forced = await cli([
      'sprt',
      'apply',
      '--suite',
      suite,
      '--calibration-json',
      calJson,
      '--in-place',
      '--force',
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('suite_hash_check_overridden');
    expect(await fs.readFile(`${suite}.bak`, 'utf8')).toBe(changed);
    expect(await fs.readFile(suite, 'utf8')).toContain('sigma: 0.01  # to be calibrated');
  });

  it('rejects an unknown schema_version with exit 1', async () => {
    const bad = path.join(dir, 'bad.json');
    const cal = JSON.parse(await fs.readFile(calJson, 'utf8'));
    await fs.writeFile(bad, JSON.stringify({ ...cal, schema_version: 3 }));
    const check = await cli(['sprt', 'check', '--calibration-json', bad]);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/schema_version 3/);
    const apply = await cli(['sprt', 'apply', '--suite', suite, '--calibration-json', bad, '--force']);
    expect(apply.code).toBe(1);
  });
});

/** The suite of issue 11: the default preset first, then two sprt gates (one strict about baselines). */
function twoGateSuite(): string {
  return `# two sprt gates after the default gates: this comment must survive sprt apply
version: 1
project: p
suite_name: sprt2
models:
  - name: m
    adapter: mock
    params: {}
tests:
  - id: t
    prompts: ["a red ball bouncing", "a slow pan over a lake", "a car driving at night"]
    seeds: [0, 1]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker", "motion_smoothness"] }
gates:
  - preset: video_regression@1
  - metric: vbench_temporal.dims.motion_smoothness
    op: ">="
    value: 0.1
    method: sprt_regression
    params:
      sigma: 0.05  # to be calibrated
      require_baseline: true  # strict: a run judged without a baseline fails
      effect_size: 0.01
  - metric: vbench_temporal.dims.temporal_flicker   # the second gate
    op: ">="
    value: 0.1
    method: sprt_regression
    params: { sigma_mode: estimate, effect_size: 0.01, require_baseline: false, baseline_missing: skip }
run:
  wave_size: 4
`;
}

describe('sprt calibrate / apply with two sprt gates after a preset (built CLI)', () => {
  let two: string;
  let text: string;
  let cal2: string;
  let calOutput = '';
  const ciDir = () => path.join(dir, 'ci');

  beforeAll(async () => {
    two = path.join(dir, 'two.yaml');
    text = twoGateSuite();
    await fs.writeFile(two, text);
    cal2 = path.join(dir, 'cal2.json');
    const r = await cli([
      'sprt',
      'calibrate',
      '--suite',
      two,
      '--runs',
      '1',
      '--artifacts-dir',
      path.join(dir, 'artifacts2'),
      '--output-json',
      cal2,
    ]);
    if (r.code !== 0) throw new Error(`calibrate failed (${r.code}): ${r.stderr}`);
    calOutput = r.stdout + r.stderr;
  });

  it('calibrates both gates from one set of runs, naming each by its place in the file', async () => {
    const cal = JSON.parse(await fs.readFile(cal2, 'utf8'));
    // One baseline and one no-change run, whatever the number of gates.
    expect(cal.calibration_runs.runs).toHaveLength(2);
    expect(await fs.readdir(path.join(dir, 'artifacts2', 'p', 'sprt2', 'm'))).toHaveLength(3); // + index.json
    expect(
      cal.gates.map((g: { gate_index: number; gate_metric: string }) => [g.gate_index, g.gate_metric]),
    ).toEqual([
      [1, 'vbench_temporal.dims.motion_smoothness'],
      [2, 'vbench_temporal.dims.temporal_flicker'],
    ]);
    for (const g of cal.gates) {
      expect(g.delta_summary.count).toBe(6);
      expect(g.run_summaries.map((r: { run_id: string }) => r.run_id)).toEqual([
        cal.calibration_runs.runs[1].run_id,
      ]);
    }
    expect(calOutput).toMatch(/gate gates\[1\] vbench_temporal.dims.motion_smoothness: 6 deltas/);
    expect(calOutput).toMatch(/gate gates\[2\] vbench_temporal.dims.temporal_flicker: 6 deltas/);
    // The first gate fails any run judged without a baseline (see the first CI run below): calibration runs
    // are not judged, so nothing says FAIL.
    expect(calOutput).not.toMatch(/\bFAIL\b/);
  });

  it('one apply writes both gates into their own nodes; validate passes; a later run uses them', async () => {
    const r = await cli(['sprt', 'apply', '--suite', two, '--calibration-json', cal2, '--in-place']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('suite_hash_check_overridden');
    const applied = await fs.readFile(two, 'utf8');
    expect(applied).toBe(
      text
        .replace('sigma: 0.05  # to be calibrated', 'sigma: 0.01  # to be calibrated')
        .replace(
          'effect_size: 0.01\n  - metric',
          'effect_size: 0.01\n      sigma_mode: fixed\n      min_pairs: 6\n  - metric',
        )
        .replace(
          '{ sigma_mode: estimate, effect_size: 0.01, require_baseline: false, baseline_missing: skip }',
          '{ sigma_mode: fixed, effect_size: 0.01, require_baseline: false, baseline_missing: skip, sigma: 0.01, min_pairs: 6 }',
        ),
    );
    expect((await cli(['validate', two])).code).toBe(0);

    // A first CI run: judged with no baseline, the strict gate fails it. Then one against it.
    const first = await cli(['run', two, '--artifacts-dir', ciDir(), '--baseline-mode', 'none']);
    expect(first.code).toBe(2);
    const second = await cli(['run', two, '--json', '--artifacts-dir', ciDir(), '--baseline-mode', 'latest']);
    expect(second.code).toBe(0);
    const runDir = JSON.parse(second.stdout).runs[0].run_dir as string;
    const rec = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8'));
    const sprt = rec.gates.filter((g: { method: string }) => g.method === 'sprt_regression');
    expect(sprt.map((g: { metric: string }) => g.metric)).toEqual([
      'vbench_temporal.dims.motion_smoothness',
      'vbench_temporal.dims.temporal_flicker',
    ]);
    for (const g of sprt) {
      expect(g.detail).toMatchObject({ sigma_mode: 'fixed', sigma: 0.01, min_pairs: 6, pairs_used: 6 });
      expect(g.passed).toBe(true);
    }
  });

  it('refuses to put calibration runs into a store of judged runs', async () => {
    const r = await cli(['sprt', 'calibrate', '--suite', two, '--runs', '1', '--artifacts-dir', ciDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds runs judged against a baseline.*--baseline-artifacts-dir/s);
  });
});
