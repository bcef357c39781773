import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli } from './cli.js';

/** Changes to a mock model's params, by name. */
export type Params = Record<string, unknown>;

/** Every visible degradation at the reference strengths of README "Default gates": each must fail. */
export const DEGRADATIONS: [string, Params][] = [
  ['noise', { noise: 8 }],
  ['flicker', { flicker: 6 }],
  ['judder', { judder: 2 }],
  ['dropped frames', { drop_frames: 0.25 }],
  ['blur', { blur: 1.5 }],
  ['freeze', { freeze_after: 8 }],
  ['colour shift', { color_shift: [18, -8, -8] }],
  ['heavy compression', { crf: 46 }],
];

/** Changes no user would call a regression: each must pass. */
export const BENIGN: [string, Params][] = [
  ['a re-encode at crf 26', { crf: 26 }],
  ['gamma 1.02', { gamma: 1.02 }],
];

/** Inserts params under a block-style `params:` mapping whose last line is `anchor`. */
export const withParamsAfter =
  (anchor: string) =>
  (text: string, p: Params): string =>
    text.replace(
      anchor,
      `${anchor}${Object.entries(p)
        .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`)
        .join('')}`,
    );

/** Runs a suite text through the built CLI into `dir/artifacts`; returns the exit code and its run record. */
export async function runSuiteText(dir: string, name: string, text: string, extra: readonly string[]) {
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

/** What failed, in words: gates that failed and regressions that regressed. */
export function caughtBy(rec: RunRecord): string[] {
  return [
    ...rec.gates.filter((g) => !g.passed).map((g) => `gate ${g.metric}`),
    ...rec.regressions.filter((r) => r.regressed).map((r) => `regression ${r.metric}`),
  ];
}

/** The summary names what caught a failed run: the failing gate's line, or the regression's. */
export function expectSummaryNamesCatch(rec: RunRecord, stdout: string): void {
  const failing = rec.gates.find((g) => !g.passed);
  const regressed = rec.regressions.find((r) => r.regressed);
  if (failing) expect(stdout).toMatch(new RegExp(`gate  ${failing.metric.replace(/\./g, '\\.')}.*FAIL`));
  else
    expect(stdout).toMatch(new RegExp(`regression  ${regressed!.metric.replace(/\./g, '\\.')}.*REGRESSED`));
}
