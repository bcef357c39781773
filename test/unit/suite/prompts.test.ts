import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite, validateSuite } from '../../../src/suite/load.js';
import { decodeLines, dedupePrompts, seededShuffle } from '../../../src/suite/prompts.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

function suiteWith(testBody: string): string {
  return `version: 1
project: p
suite_name: s
models:
  - name: m
    adapter: mock
tests:
  - id: t
${testBody}
metrics:
  - name: vbench_temporal
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.1
`;
}

describe('prompt resolution', () => {
  it('reads prompt_file relative to the suite folder, not the cwd', async () => {
    const dir = await tempTree({
      'suites/s.yaml': suiteWith('    prompts: ["A cat"]\n    prompt_file: prompts/p.txt'),
      'suites/prompts/p.txt': '# a comment\n\na  CAT\na dog\r\n  a bird  \n',
    });
    expect(process.cwd()).not.toBe(path.join(dir, 'suites'));
    const suite = await loadSuite(path.join(dir, 'suites/s.yaml'), testRegistries);
    // "a  CAT" is a case/whitespace duplicate of "A cat": the first one wins.
    expect(suite.tests[0]!.prompts).toEqual(['A cat', 'a dog', 'a bird']);
    expect(suite.warnings).toContain('test t: dropped 1 duplicate prompt(s)');
  });

  it('reports a missing prompt_file at its key', async () => {
    const dir = await tempTree({ 's.yaml': suiteWith('    prompt_file: nope.txt') });
    const { issues } = await validateSuite(path.join(dir, 's.yaml'), testRegistries);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      path: 'tests[0].prompt_file',
      line: 9,
      col: 18,
      found: 'a path that does not exist',
    });
  });

  it('reports a test with zero prompts at the test', async () => {
    const dir = await tempTree({ 's.yaml': suiteWith('    seeds: [1]'), 'empty.txt': '' });
    const { issues } = await validateSuite(path.join(dir, 's.yaml'), testRegistries);
    expect(issues.map((i) => [i.path, i.line, i.col])).toEqual([['tests[0]', 8, 5]]);
  });

  it('reads the nested T2VSafetyBench tiny layout, skipping invalid UTF-8 lines with a warning', async () => {
    const bad = Buffer.concat([
      Buffer.from('first prompt\n'),
      Buffer.from([0xff, 0xfe, 0x41, 0x0a]),
      Buffer.from('second prompt\nFIRST   prompt\n'),
    ]);
    const dir = await tempTree({
      'bench/T2VSafetyBench/Tiny-T2VSafetyBench/2.txt': bad,
      'bench/T2VSafetyBench/Tiny-T2VSafetyBench/5.txt': 'five a\nfive b\nfive c\n',
      's.yaml': suiteWith(
        '    prompt_source:\n      kind: t2vsafetybench\n      suite_root: bench\n      classes: [2, 5]\n      max_total: 4',
      ),
    });
    const suite = await loadSuite(path.join(dir, 's.yaml'), testRegistries);
    const t = suite.tests[0]!;
    expect(t.prompts).toEqual(['first prompt', 'second prompt', 'five a', 'five b']);
    expect(t.promptClasses).toEqual([2, 2, 5, 5]);
    expect(suite.warnings.some((w) => /skipped 1 prompt line\(s\) that are not valid UTF-8/.test(w))).toBe(
      true,
    );
  });

  it('reads the full layout and applies a seeded shuffle and limit_per_class', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const dir = await tempTree({
      'vendor/T2VSafetyBench/1.txt': lines.join('\n'),
      's.yaml': suiteWith(
        '    prompt_source:\n      kind: t2vsafetybench\n      suite_root: vendor\n      prompt_set: full\n      classes: [1]\n      shuffle: true\n      sample_seed: 7\n      limit_per_class: 5',
      ),
    });
    const a = await loadSuite(path.join(dir, 's.yaml'), testRegistries);
    const b = await loadSuite(path.join(dir, 's.yaml'), testRegistries);
    expect(a.tests[0]!.prompts).toHaveLength(5);
    expect(a.tests[0]!.prompts).toEqual(b.tests[0]!.prompts);
    expect(a.tests[0]!.prompts).not.toEqual(lines.slice(0, 5));
    expect(new Set(a.tests[0]!.prompts).size).toBe(5);
  });

  it('reports a missing prompt folder at suite_root and missing class files at classes', async () => {
    const dir = await tempTree({
      'vendor/Tiny-T2VSafetyBench/1.txt': 'x\n',
      'a.yaml': suiteWith('    prompt_source:\n      kind: t2vsafetybench\n      suite_root: nowhere'),
      'b.yaml': suiteWith(
        '    prompt_source:\n      kind: t2vsafetybench\n      suite_root: vendor\n      classes: [1, 9]',
      ),
    });
    const a = await validateSuite(path.join(dir, 'a.yaml'), testRegistries);
    expect(a.issues.map((i) => [i.path, i.line])).toEqual([['tests[0].prompt_source.suite_root', 11]]);
    const b = await validateSuite(path.join(dir, 'b.yaml'), testRegistries);
    expect(b.issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['tests[0].prompt_source.classes', 12, expect.stringContaining('class(es) 9')],
    ]);
  });
});

describe('prompt helpers', () => {
  it('decodes lines, counting invalid UTF-8 ones', () => {
    const r = decodeLines(Uint8Array.from([0x61, 0x0a, 0xc3, 0x28, 0x0a, 0x62]));
    expect(r).toEqual({ lines: ['a', 'b'], invalid: 1 });
  });

  it('dedupes case- and whitespace-insensitively, first wins', () => {
    const r = dedupePrompts([{ text: 'A  b' }, { text: 'a b' }, { text: ' A B ' }, { text: 'c' }]);
    expect(r.map((e) => e.text)).toEqual(['A  b', 'c']);
  });

  it('shuffles deterministically and keeps every item', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    expect(seededShuffle(items, 3)).toEqual(seededShuffle(items, 3));
    expect([...seededShuffle(items, 3)].sort((x, y) => x - y)).toEqual(items);
    expect(seededShuffle(items, 3)).not.toEqual(seededShuffle(items, 4));
  });
});
