import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { cli, sprtSuite } from './sprt-helpers.js';

let dir: string;
let art: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-sprt-run-'));
  art = path.join(dir, 'artifacts');
  await fs.writeFile(path.join(dir, 'suite.yaml'), sprtSuite({}));
  // Same model name and plan (same sample ids); the video is visibly worse: grain and held frames.
  await fs.writeFile(path.join(dir, 'degraded.yaml'), sprtSuite({ mockParams: '{ noise: 12, judder: 2 }' }));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(suite: string, ...flags: string[]) {
  const json = path.join(dir, `${path.basename(suite)}-${Date.now()}.json`);
  const r = await cli([
    'run',
    path.resolve(dir, suite),
    '--artifacts-dir',
    art,
    '--no-progress',
    '--output-json',
    json,
    ...flags,
  ]);
  const payload = JSON.parse(await fs.readFile(json, 'utf8')) as { runs: RunRecord[] };
  return { ...r, rec: payload.runs[0]! };
}

describe('sprt_regression in the engine (built CLI)', () => {
  it('generates the full plan for the baseline (nothing to pair with yet)', async () => {
    const r = await run('suite.yaml', '--baseline-mode', 'none', '--tag', 'base');
    expect(r.code).toBe(0);
    expect(r.rec.counts).toMatchObject({ planned: 16, generated: 16, skipped: 0 });
    expect(r.rec.sequential?.stopped_early).toBe(false);
    expect(r.rec.gates[0]?.detail?.decision).toBe('baseline_missing');
  });

  it('passes an identical candidate with fewer samples than planned', async () => {
    const r = await run('suite.yaml', '--baseline-mode', 'tag:base');
    expect(r.code).toBe(0);
    const { counts, gates, sequential, skipped_samples } = r.rec;
    expect(counts.generated).toBeLessThan(counts.planned);
    expect(sequential?.stopped_early).toBe(true);
    expect(skipped_samples?.length).toBe(counts.planned - counts.generated);
    expect(counts.skipped).toBe(skipped_samples?.length);
    const d = gates[0]?.detail as Record<string, unknown>;
    expect(d.decision).toBe('accept_h1_no_regression');
    expect(d.pairs_used).toBe(counts.generated);
    expect(d.pairs_planned).toBe(16);
    expect((d.waves as unknown[]).length).toBe(sequential?.waves);
    expect(r.stdout).toContain('sprt_regression=accept_h1_no_regression');
    expect(r.stdout).toMatch(/\d+ pairs used of 16 planned/);
    expect(r.stdout).toMatch(/sequential: \d+ of 16 samples generated/);
  });

  it('fails a degraded candidate (exit 2), also stopped early, naming the worst samples', async () => {
    const r = await run('degraded.yaml', '--baseline-mode', 'tag:base');
    expect(r.code).toBe(2);
    expect(r.rec.counts.generated).toBeLessThan(r.rec.counts.planned);
    const d = r.rec.gates[0]?.detail as Record<string, unknown>;
    expect(d.decision).toBe('accept_h0_regression');
    const worst = d.worst_deltas as { prompt: string; seed: number; delta: number }[];
    expect(worst.length).toBeGreaterThan(0);
    expect(worst[0]?.delta).toBeLessThan(0);
    expect(typeof worst[0]?.prompt).toBe('string');
    expect(r.stdout).toContain('sprt_regression=accept_h0_regression');
  });
});

/** examples/regression_sprt.yaml with its gate's params removed: every SPRT param at its default. */
async function exampleWithDefaults(resolution: number): Promise<string> {
  const text = await fs.readFile('examples/regression_sprt.yaml', 'utf8');
  const start = text.indexOf('    params:\n      alpha:');
  const end = text.indexOf('\nrun:');
  expect(start, 'the example gate has a params block').toBeGreaterThan(0);
  const stripped = `${text.slice(0, start)}${text.slice(end + 1)}`.replace(
    /resolution: \d+/,
    `resolution: ${resolution}`,
  );
  expect(stripped).not.toContain('baseline_missing');
  const file = path.join(dir, `example-defaults-${resolution}.yaml`);
  await fs.writeFile(file, stripped);
  return file;
}

describe('a first run with default SPRT params (issue 11 item 4)', () => {
  it('passes --baseline-mode none as a bootstrap, said in the summary and the typed trace', async () => {
    const suite = await exampleWithDefaults(64);
    const r = await run(path.relative(dir, suite), '--baseline-mode', 'none');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.rec.status).toBe('PASS');
    expect(r.rec.gates[0]?.detail).toMatchObject({
      method: 'sprt_regression',
      decision: 'baseline_missing',
      reason: 'bootstrap',
      baseline_missing_policy: 'skip',
      require_baseline: false,
    });
    expect(r.stdout).toContain('no baseline: bootstrap run, not evaluated');
    // The next run pairs with it through latest_pass instead of failing for want of a baseline.
    const next = await run(path.relative(dir, suite), '--baseline-mode', 'latest_pass');
    expect(next.rec.baseline.run_id).toBe(r.rec.run_id);
    expect(next.rec.gates[0]?.detail?.decision).not.toBe('baseline_missing');
  });

  it('passes on the shipped example itself (512 px) with --baseline-mode none', async () => {
    const r = await run(path.resolve('examples/regression_sprt.yaml'), '--baseline-mode', 'none');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.rec.gates[0]?.passed).toBe(true);
  }, 300_000); // 512 px frames: minutes on a loaded 2-core runner
});
