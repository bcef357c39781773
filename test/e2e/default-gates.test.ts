import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * The verdict a user gets out of the box: the suite `temporalci init` writes, its default gates untouched.
 * A baseline is tagged, then each candidate changes only `models[0].params` (or the seeds): every visible
 * degradation at the reference strengths (README, "Default gates") fails with exit 2 and names the gate
 * that caught it; a re-encode, a small tone change, other seeds and a rerun pass.
 */
const DEGRADATIONS: [string, string][] = [
  ['noise', '{noise: 8}'],
  ['flicker', '{flicker: 6}'],
  ['judder', '{judder: 2}'],
  ['dropped frames', '{drop_frames: 0.25}'],
  ['blur', '{blur: 1.5}'],
  ['freeze', '{freeze_after: 8}'],
  ['colour shift', '{color_shift: [18, -8, -8]}'],
  ['heavy compression', '{crf: 46}'],
];
const BENIGN: [string, string][] = [
  ['a re-encode at crf 26', '{crf: 26}'],
  ['gamma 1.02', '{gamma: 1.02}'],
];

let dir: string;
let starter: string;
beforeAll(async () => {
  dir = await tempDir('tci-default-gates-');
  const file = path.join(dir, 'temporalci.yaml');
  const init = await runCli(['init', '--output', file]);
  expect(init.code, init.stderr).toBe(0);
  starter = await fs.readFile(file, 'utf8');
  const base = await run('baseline', starter, ['--baseline-mode', 'none', '--tag', 'golden']);
  expect(base.code, base.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(name: string, text: string, extra: string[] = ['--baseline-mode', 'tag:golden']) {
  const file = path.join(dir, `${name.replace(/\W+/g, '_')}.yaml`);
  const json = `${file}.json`;
  await fs.writeFile(file, text);
  const r = await runCli([
    'run',
    file,
    '--output-json',
    json,
    '--no-progress',
    '--no-report',
    '--artifacts-dir',
    path.join(dir, 'artifacts'),
    ...extra,
  ]);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  const rec = (JSON.parse(await fs.readFile(json, 'utf8')) as { runs: RunRecord[] }).runs[0]!;
  return { code: r.code, rec, stdout: r.stdout, stderr: r.stderr };
}

const withParams = (params: string) => starter.replace('params: {}', `params: ${params}`);

/** What failed, in words: gates that failed and regressions that regressed. */
function caughtBy(rec: RunRecord): string[] {
  return [
    ...rec.gates.filter((g) => !g.passed).map((g) => `gate ${g.metric}`),
    ...rec.regressions.filter((r) => r.regressed).map((r) => `regression ${r.metric}`),
  ];
}

describe('default gates (the suite init writes)', () => {
  for (const [what, params] of DEGRADATIONS) {
    it(`catches ${what} (${params})`, async () => {
      const { code, rec, stdout } = await run(what, withParams(params));
      expect(rec.status, JSON.stringify(caughtBy(rec))).toBe('FAIL');
      expect(code).toBe(2);
      expect(caughtBy(rec).length).toBeGreaterThan(0);
      // The summary names what caught it: the failing gate's line, or the regression's.
      const failing = rec.gates.find((g) => !g.passed);
      const regressed = rec.regressions.find((r) => r.regressed);
      if (failing) expect(stdout).toMatch(new RegExp(`gate  ${failing.metric.replace(/\./g, '\\.')}.*FAIL`));
      else
        expect(stdout).toMatch(
          new RegExp(`regression  ${regressed!.metric.replace(/\./g, '\\.')}.*REGRESSED`),
        );
    }, 120_000);
  }

  for (const [what, params] of BENIGN) {
    it(`passes ${what} (${params})`, async () => {
      const { code, rec } = await run(what, withParams(params));
      expect(caughtBy(rec)).toEqual([]);
      expect(code).toBe(0);
    }, 120_000);
  }

  it('passes other seeds of the same model, saying the samples did not pair', async () => {
    const { code, rec } = await run('other seeds', starter.replace('seeds: [0, 1, 2]', 'seeds: [3, 4, 5]'));
    expect(caughtBy(rec)).toEqual([]);
    expect(code).toBe(0);
    expect(rec.gates.find((g) => g.metric === 'vs_baseline.ssim')?.reason).toMatch(/^not evaluated/);
    expect(rec.regressions.some((r) => r.test?.kind === 'unpaired')).toBe(true);
  }, 120_000);

  it('passes a rerun', async () => {
    const { code, rec } = await run('rerun', starter);
    expect(caughtBy(rec)).toEqual([]);
    expect(code).toBe(0);
    expect(rec.gates.find((g) => g.metric === 'vs_baseline.ssim')?.actual).toBe(1);
  }, 120_000);
});
