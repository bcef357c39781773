import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { REPO_ROOT, tempDir } from '../support/cli.js';
import { cli } from './sprt-helpers.js';

/**
 * report.html's SPRT card and the gate's reason must tell the same story on the shipped example: the gate
 * once wrote `pairs_planned` while the report read other keys ("9 of 40" with max_pairs, "9 of 9" without).
 */
let dir: string;
const example = path.join(REPO_ROOT, 'examples', 'regression_sprt.yaml');

// The shipped 512x512 suite: a 12-sample baseline and two candidates of 9 samples on two shared cores.
const RUN_TIMEOUT = 300_000;

beforeAll(async () => {
  dir = await tempDir('tci-sprt-report-');
  const text = await fs.readFile(example, 'utf8');
  await fs.writeFile(path.join(dir, 'regression_sprt.yaml'), text);
  // The same suite with a cap far above the plan: the planned pairs are still the plan's, not max_pairs.
  const capped = text.replace(/( +)min_pairs: 6\n/, '$1min_pairs: 6\n$1max_pairs: 40\n');
  expect(capped).toContain('max_pairs: 40');
  await fs.writeFile(path.join(dir, 'regression_sprt_capped.yaml'), capped);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(suite: string, ...flags: string[]): Promise<{ rec: RunRecord; html: string }> {
  const json = path.join(dir, `${suite}-${Date.now()}.json`);
  const r = await cli([
    'run',
    path.join(dir, suite),
    '--artifacts-dir',
    path.join(dir, 'artifacts'),
    '--no-progress',
    '--output-json',
    json,
    ...flags,
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const rec = (JSON.parse(await fs.readFile(json, 'utf8')) as { runs: RunRecord[] }).runs[0]!;
  const runDir = /run dir: (.+)/.exec(r.stdout)?.[1];
  expect(runDir).toBeDefined();
  const html = await fs.readFile(path.resolve(REPO_ROOT, runDir!, 'report.html'), 'utf8');
  return { rec, html };
}

/** [used, planned] as the gate's reason and as the report's SPRT card state them. */
function pairCounts(rec: RunRecord, html: string): { reason: number[]; report: number[] } {
  const reason = /(\d+) pairs used of (\d+) planned/.exec(rec.gates[0]?.reason ?? '');
  const report = /Pairs used <b>(\d+)<\/b> of <b>(\d+)<\/b> planned/.exec(html);
  expect(reason, rec.gates[0]?.reason).not.toBeNull();
  expect(report, 'the SPRT card of report.html').not.toBeNull();
  return { reason: reason!.slice(1).map(Number), report: report!.slice(1).map(Number) };
}

describe('report.html SPRT pairs on examples/regression_sprt.yaml (built CLI)', () => {
  beforeAll(async () => {
    await run('regression_sprt.yaml', '--baseline-mode', 'none', '--tag', 'base');
  }, RUN_TIMEOUT);

  it(
    'says the pairs used and planned of the gate reason, without max_pairs',
    async () => {
      const { rec, html } = await run('regression_sprt.yaml', '--baseline-mode', 'tag:base');
      const counts = pairCounts(rec, html);
      // The example's own comment: waves of 1 stop at 9 of the 12 planned samples.
      expect(counts.reason).toEqual([9, 12]);
      expect(counts.report).toEqual(counts.reason);
    },
    RUN_TIMEOUT,
  );

  it(
    'says the same with max_pairs far above the plan',
    async () => {
      const { rec, html } = await run('regression_sprt_capped.yaml', '--baseline-mode', 'tag:base');
      const counts = pairCounts(rec, html);
      expect(counts.reason).toEqual([9, 12]);
      expect(counts.report).toEqual(counts.reason);
    },
    RUN_TIMEOUT,
  );
});
