import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir } from '../support/cli.js';
import {
  BENIGN,
  caughtBy,
  DEGRADATIONS,
  expectSummaryNamesCatch,
  type Params,
  runSuiteText,
  withParamsAfter,
} from '../support/gate-runs.js';

/**
 * The verdict a user gets out of the box: the suite `temporalci init` writes, its default gates untouched.
 * A baseline is tagged, then each candidate changes only `models[0].params` (or the seeds): every visible
 * degradation at the reference strengths (README, "Default gates") fails with exit 2 and names the gate
 * that caught it; a re-encode, a small tone change, other seeds and a rerun pass.
 */
/**
 * The suites under test: the one `init` writes (its model has `params: {}`), and the shipped
 * examples/regression_core.yaml (block-style params; its first three samples, to keep CI time bounded).
 */
interface Source {
  name: string;
  text: () => Promise<string>;
  withParams: (text: string, p: Params) => string;
  extra: string[];
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-default-gates-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const SOURCES: Source[] = [
  {
    name: 'the suite init writes',
    text: async () => {
      const file = path.join(dir, 'temporalci.yaml');
      const init = await runCli(['init', '--output', file]);
      expect(init.code, init.stderr).toBe(0);
      return fs.readFile(file, 'utf8');
    },
    withParams: (text, p) => text.replace('params: {}', `params: ${JSON.stringify(p)}`),
    extra: [],
  },
  {
    name: 'examples/regression_core.yaml',
    text: () => fs.readFile(path.join(REPO_ROOT, 'examples', 'regression_core.yaml'), 'utf8'),
    withParams: withParamsAfter('      noise_scale: 0.06\n'),
    extra: ['--sample', '3'],
  },
];

const run = (name: string, text: string, extra: string[]) => runSuiteText(dir, name, text, extra);

describe.each(SOURCES)('default gates: $name', (source) => {
  let starter: string;
  const tag = source.name.replace(/\W+/g, '_');
  const candidate = (name: string, text: string) =>
    run(`${tag}-${name}`, text, ['--baseline-mode', `tag:${tag}`, ...source.extra]);
  const withParams = (p: Params) => source.withParams(starter, p);
  beforeAll(async () => {
    starter = await source.text();
    const base = await run(`${tag}-baseline`, starter, [
      '--baseline-mode',
      'none',
      '--tag',
      tag,
      ...source.extra,
    ]);
    expect(base.code, base.stderr).toBe(0);
  }, 180_000);

  for (const [what, params] of DEGRADATIONS) {
    it(`catches ${what} (${JSON.stringify(params)})`, async () => {
      const { code, rec, stdout } = await candidate(what, withParams(params));
      expect(rec.status, JSON.stringify(caughtBy(rec))).toBe('FAIL');
      expect(code).toBe(2);
      expect(caughtBy(rec).length).toBeGreaterThan(0);
      expectSummaryNamesCatch(rec, stdout);
    }, 120_000);
  }

  for (const [what, params] of BENIGN) {
    it(`passes ${what} (${JSON.stringify(params)})`, async () => {
      const { code, rec } = await candidate(what, withParams(params));
      expect(caughtBy(rec)).toEqual([]);
      expect(code).toBe(0);
    }, 120_000);
  }

  it('passes other seeds of the same model, saying the samples did not pair', async () => {
    const { code, rec } = await candidate(
      'other seeds',
      starter.replace('seeds: [0, 1, 2]', 'seeds: [3, 4, 5]'),
    );
    expect(caughtBy(rec)).toEqual([]);
    expect(code).toBe(0);
    expect(rec.gates.find((g) => g.metric === 'vs_baseline.ssim')?.reason).toMatch(/^not evaluated/);
    expect(rec.regressions.some((r) => r.test?.kind === 'unpaired')).toBe(true);
  }, 120_000);

  it('passes a rerun', async () => {
    const { code, rec } = await candidate('rerun', starter);
    expect(caughtBy(rec)).toEqual([]);
    expect(code).toBe(0);
    expect(rec.gates.find((g) => g.metric === 'vs_baseline.ssim')?.actual).toBe(1);
  }, 120_000);
});
