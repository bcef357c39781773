import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTemporalCIError, type SuiteIssue, SuiteValidationError } from '../../../src/errors.js';
import { didYouMean, formatIssues, levenshtein } from '../../../src/suite/issues.js';
import { loadSuite, validateSuite } from '../../../src/suite/load.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

async function issuesOf(text: string | Uint8Array): Promise<SuiteIssue[]> {
  const dir = await tempTree({ 'suite.yaml': text });
  const r = await validateSuite(path.join(dir, 'suite.yaml'), testRegistries);
  expect(r.suite).toBeUndefined();
  return r.issues;
}

const FIVE_MISTAKES = `version: 1
project: demo
suite_name: typo_suite
models:
  - name: m1
    adapter: mok
tests:
  - id: t1
    prompts: ["a cat"]
    seeds: "0"
metrics:
  - name: vbench_temporal
  - name: safety_t2vv
gates:
  - metric: vbench_temporal.scor
    op: ">="
    value: 0.5
  - metric: vbench_temporal.score
    opp: ">="
    value: 0.5
`;

describe('validation reports every problem with its position', () => {
  it('finds exactly the five mistakes, with line:col and did-you-mean', async () => {
    const issues = await issuesOf(FIVE_MISTAKES);
    const brief = issues.map((i) => ({ at: `${i.line}:${i.col}`, path: i.path, hint: i.hint }));
    expect(brief).toEqual([
      { at: '6:14', path: 'models[0].adapter', hint: 'did you mean `mock`?' },
      { at: '10:12', path: 'tests[0].seeds', hint: undefined },
      { at: '13:11', path: 'metrics[1].name', hint: 'did you mean `safety_t2v`?' },
      { at: '15:13', path: 'gates[0].metric', hint: 'did you mean `vbench_temporal.score`?' },
      { at: '19:5', path: 'gates[1].opp', hint: 'did you mean `op`?' },
    ]);
    expect(issues[1]).toMatchObject({ expected: 'a list', found: 'string "0"' });
    expect(issues[4]!.message).toContain('unknown key `opp`');
  });

  it('loadSuite throws a SuiteValidationError carrying all of them', async () => {
    const dir = await tempTree({ 's.yaml': FIVE_MISTAKES });
    const err = await loadSuite(path.join(dir, 's.yaml'), testRegistries).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SuiteValidationError);
    expect((err as SuiteValidationError).issues).toHaveLength(5);
  });

  it('formats one block per issue', async () => {
    const issues = await issuesOf(FIVE_MISTAKES);
    const text = formatIssues(issues);
    const first = text.split('\n\n')[0]!.split('\n');
    expect(first[0]).toMatch(/suite\.yaml:6:14 {2}models\[0\]\.adapter: unknown adapter "mok"$/);
    expect(first[1]).toBe('    expected one of `mock`, or a module path, found string "mok"');
    expect(first[2]).toBe('    hint: did you mean `mock`?');
    expect(text.split('\n\n')).toHaveLength(5);
  });

  it('reports a YAML syntax error at its position', async () => {
    const issues = await issuesOf('version: 1\nproject: demo\nmodels: [a, b\n');
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues[0]!.message).toMatch(/^YAML syntax error/);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a duplicate key at the second occurrence', async () => {
    const issues = await issuesOf('version: 1\nproject: a\nproject: b\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 3, col: 1, message: expect.stringContaining('duplicate key') });
  });

  it('reports an empty file and a non-mapping root', async () => {
    expect((await issuesOf(''))[0]).toMatchObject({ line: 1, col: 1, message: 'the suite file is empty' });
    expect((await issuesOf('# just a comment\n- a\n- b\n'))[0]).toMatchObject({
      line: 2,
      col: 1,
      found: 'list of 2 items',
    });
  });

  it('points a missing key at its parent mapping and suggests enum values', async () => {
    const text = FIVE_MISTAKES.replace('suite_name: typo_suite\n', '')
      .replace('mok', 'mock')
      .replace('seeds: "0"', 'seeds: [0]')
      .replace('safety_t2vv', 'safety_t2v')
      .replace('.scor\n', '.score\n')
      .replace('opp: ">="', 'op: "=>"');
    const issues = await issuesOf(text);
    expect(issues.map((i) => [i.path, i.line, i.col, i.hint])).toEqual([
      ['suite_name', 1, 1, 'add `suite_name:` to this mapping'],
      ['gates[1].op', 18, 9, 'did you mean `>=`?'],
    ]);
    expect(issues[1]).toMatchObject({
      expected: 'one of `>=`, `>`, `<=`, `<`, `==`, `!=`',
      found: 'string "=>"',
    });
  });

  it('throws SUITE_NOT_FOUND with a hint for a missing file', async () => {
    const err = await validateSuite('/nonexistent/suite.yaml', testRegistries).catch((e: unknown) => e);
    expect(isTemporalCIError(err) && err.code).toBe('SUITE_NOT_FOUND');
    expect(isTemporalCIError(err) && err.hint).toMatch(/suite YAML/);
  });
});

describe('did you mean', () => {
  it('measures edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('op', 'op')).toBe(0);
  });

  it('suggests within distance 2 or by prefix, and nothing otherwise', () => {
    expect(didYouMean('gatse', ['gates', 'metrics'])).toBe('gates');
    expect(didYouMean('vbench', ['vbench_temporal', 'safety_t2v'])).toBe('vbench_temporal');
    expect(didYouMean('Mock', ['mock'])).toBe('mock');
    expect(didYouMean('zzzzzz', ['mock', 'http'])).toBeUndefined();
  });
});
