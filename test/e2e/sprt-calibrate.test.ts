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
  it('does not call its own no-change runs FAIL, and says what their status means', async () => {
    const cal = JSON.parse(await fs.readFile(calJson, 'utf8'));
    expect(cal.run_summaries[0].status).toBe('PASS');
    expect(cal.run_summaries[0].status_meaning).toMatch(/without a baseline/);
    expect(calStderr).toMatch(
      /calibration run 1\/1: \S+ done \(judged without a baseline: SPRT gates not evaluated/,
    );
    expect(calStderr).not.toMatch(/\bFAIL\b/);
  });

  it('writes a schema-1 calibration with the suite hash, deltas and pairing quality', async () => {
    const cal = JSON.parse(await fs.readFile(calJson, 'utf8'));
    expect(cal.schema_version).toBe(1);
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
    expect(low.stderr).toMatch(/check_failed: min_total_deltas/);
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

  it('apply changes only the calibrated values; comments and layout survive', async () => {
    const out = path.join(dir, 'calibrated.yaml');
    const r = await cli(['sprt', 'apply', '--suite', suite, '--calibration-json', calJson, '--out', out]);
    expect(r.code).toBe(0);
    const text = await fs.readFile(out, 'utf8');
    const expected = original
      .replace('sigma: 0.05  # to be calibrated', 'sigma: 0.01  # to be calibrated')
      .replace('baseline_missing: skip', 'baseline_missing: skip\n      min_pairs: 6');
    expect(text).toBe(expected);
    expect(text).toContain('# SPRT e2e suite: this comment must survive sprt apply');
    expect((await cli(['validate', out])).code).toBe(0);
  });

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
    await fs.writeFile(bad, JSON.stringify({ ...cal, schema_version: 2 }));
    const check = await cli(['sprt', 'check', '--calibration-json', bad]);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/schema_version 2/);
    const apply = await cli(['sprt', 'apply', '--suite', suite, '--calibration-json', bad, '--force']);
    expect(apply.code).toBe(1);
  });
});
