import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBoundedFile } from '../../../src/platform/bounded-read.js';
import { validateSuite, validateSuiteBytes } from '../../../src/suite/load.js';
import { decodeLines } from '../../../src/suite/prompts.js';
import { MAX_YAML_NODES } from '../../../src/suite/yaml-checks.js';
import { tinySuite } from '../../support/cli.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

const registries = testRegistries;
const enc = (s: string) => new TextEncoder().encode(s);

function withPromptFile(file: string): string {
  return tinySuite({
    tests: `  - id: t\n    prompt_file: ${JSON.stringify(file)}\n    video: {num_frames: 6, fps: 8, resolution: 64}`,
  });
}

describe('bounded input files', () => {
  it('refuses /dev/zero and a FIFO as the suite file instead of reading forever', async () => {
    await expect(validateSuite('/dev/zero', registries)).rejects.toMatchObject({
      code: 'SUITE_NOT_FOUND',
      message: expect.stringContaining('not a regular file'),
    });
    const dir = await tempTree({});
    const fifo = path.join(dir, 'suite.yaml');
    execFileSync('mkfifo', [fifo]);
    await expect(validateSuite(fifo, registries)).rejects.toMatchObject({
      message: expect.stringContaining('not a regular file'),
    });
  });

  it('reports /dev/zero and a FIFO as a prompt_file at its key', async () => {
    const dir = await tempTree({});
    const fifo = path.join(dir, 'prompts.txt');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', fifo]) {
      const r = await validateSuiteBytes(path.join(dir, 's.yaml'), enc(withPromptFile(file)), registries);
      expect(r.suite).toBeUndefined();
      const issue = r.issues.find((i) => i.path === 'tests[0].prompt_file');
      expect(issue?.found).toContain('not a regular file');
      expect(issue?.line).toBeGreaterThan(1);
    }
  });

  it('refuses a file over the cap, and reads one under it', async () => {
    const dir = await tempTree({ 'big.txt': 'x'.repeat(2048) });
    await expect(readBoundedFile(path.join(dir, 'big.txt'), 1024)).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
      message: expect.stringContaining('cap'),
    });
    expect((await readBoundedFile(path.join(dir, 'big.txt'), 4096)).length).toBe(2048);
  });

  it('validates a 500 000-line prompt file without overflowing the stack', async () => {
    const lines = Array.from({ length: 500_000 }, (_, i) => `prompt number ${i}`).join('\n');
    const dir = await tempTree({ 'p.txt': lines });
    const r = await validateSuiteBytes(path.join(dir, 's.yaml'), enc(withPromptFile('p.txt')), registries);
    expect(r.issues).toEqual([]);
    expect(r.suite?.tests[0]?.prompts.length).toBe(500_000);
  });
});

describe('YAML budgets and positions', () => {
  it('rejects a document over the value budget with one issue', async () => {
    const keys = Array.from({ length: MAX_YAML_NODES / 2 + 10 }, (_, i) => `k${i}: ${i}`).join('\n');
    const r = await validateSuiteBytes('s.yaml', enc(`${tinySuite()}\n${keys}\n`), registries);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.message).toContain(`more than ${MAX_YAML_NODES}`);
  });

  it('reports each unknown key of a 20 000-key mapping on its own line', async () => {
    const base = tinySuite();
    const baseLines = base.split('\n').length;
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const r = await validateSuiteBytes('s.yaml', enc(`${base}\n${keys}\n`), registries);
    const unknown = r.issues.filter((i) => i.message.startsWith('unknown key'));
    expect(unknown).toHaveLength(20_000);
    expect(unknown[19_999]?.line).toBe(baseLines + 20_000);
  });

  it('reports a duplicate key on the line of the repeated key', async () => {
    for (const gap of [0, 1, 3]) {
      const text = `${tinySuite()}\nartifacts:\n  video: all\n${'  # note\n'.repeat(gap)}  video: none\n`;
      const r = await validateSuiteBytes('s.yaml', enc(text), registries);
      const dup = r.issues.find((i) => i.message.startsWith('duplicate key'));
      const expected = text.split('\n').findIndex((l) => l === '  video: none') + 1;
      expect(dup?.line).toBe(expected);
      expect(dup?.col).toBe(3);
    }
  });

  it('parses CR-only line ends, also when the file opens with a comment', async () => {
    const text = `# a suite saved with old Mac line ends\n${tinySuite()}`.replace(/\n/g, '\r');
    const r = await validateSuiteBytes('s.yaml', enc(text), registries);
    expect(r.issues).toEqual([]);
    expect(decodeLines(enc('a\rb\r\nc\nd')).lines).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('names and bounds validate like run uses them', () => {
  it('refuses names over 128 characters or with ".." at their position', async () => {
    for (const name of ['m'.repeat(129), 'a..b']) {
      const text = tinySuite({ models: `  - name: ${name}\n    adapter: mock\n    params: {}` });
      const r = await validateSuiteBytes('s.yaml', enc(text), registries);
      const issue = r.issues.find((i) => i.path === 'models[0].name');
      expect(issue?.line).toBe(5);
    }
    const ok = tinySuite({ models: `  - name: ${'m'.repeat(128)}\n    adapter: mock\n    params: {}` });
    expect((await validateSuiteBytes('s.yaml', enc(ok), registries)).issues).toEqual([]);
  });

  it('refuses timeouts and deadlines no timer can hold, and keeps fractional ones', async () => {
    for (const [key, value, ok] of [
      ['timeout_s', 2.01, true],
      ['timeout_s', 4_294_968, false],
      ['deadline_s', 3_000_000, false],
      ['deadline_s', 2_000_000, true],
    ] as const) {
      const r = await validateSuiteBytes(
        's.yaml',
        enc(tinySuite({ extra: `run:\n  ${key}: ${value}\n` })),
        registries,
      );
      expect(r.issues.length === 0).toBe(ok);
    }
  });
});
