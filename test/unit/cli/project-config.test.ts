import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyProjectConfig, resolveOriginalFlags } from '../../../src/cli/commands/run-compat.js';
import type { RunFlags } from '../../../src/cli/commands/run-flags.js';
import {
  loadProjectConfig,
  PROJECT_CONFIG_NAMES,
  ProjectConfigError,
  parseProjectConfig,
} from '../../../src/cli/project-config.js';

const issuesOf = (text: string) => {
  try {
    parseProjectConfig('.temporalci.yaml', text);
  } catch (e) {
    if (e instanceof ProjectConfigError) return e.issues.map((i) => `${i.line}:${i.col} ${i.path}`);
    throw e;
  }
  return [];
};

const baseFlags = (over: Partial<RunFlags> = {}): RunFlags => ({
  includeModel: [],
  excludeModel: [],
  artifactsDir: 'artifacts',
  baselineMode: 'latest_pass',
  progress: true,
  gateOverride: [],
  report: true,
  reportTop: 6,
  ...over,
});

describe('project config (.temporalci.yaml)', () => {
  it("reads the original's run: keys with their types", () => {
    const c = parseProjectConfig(
      'p.yaml',
      'run:\n  workers: 2\n  retry: 3\n  fail_fast: true\n  no_progress: yes\n  env: staging\nother: 1\n',
    );
    expect(c.run).toEqual({ workers: 2, retry: 3, fail_fast: true, no_progress: true, env: 'staging' });
    expect(c.ignoredKeys).toEqual(['other']);
  });

  it('refuses a quoted "false" (the original read bool("false") as True) at its line and column', () => {
    expect(issuesOf('run:\n  fail_fast: "false"\n  workers: 0\n  wrokers: 1\n')).toEqual([
      '2:14 run.fail_fast',
      '3:12 run.workers',
      '4:3 run.wrokers',
    ]);
  });

  it('an empty file is no defaults; a YAML error is an issue, not a silent {}', () => {
    expect(parseProjectConfig('p.yaml', '').run).toEqual({});
    expect(issuesOf('run: [1,\n')).toHaveLength(1);
  });

  it('is found in the working directory; --config must exist', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-pc-'));
    try {
      expect(await loadProjectConfig(undefined, dir)).toBeUndefined();
      await fs.writeFile(path.join(dir, PROJECT_CONFIG_NAMES[1]), 'run:\n  tag: nightly\n');
      expect((await loadProjectConfig(undefined, dir))?.run).toEqual({ tag: 'nightly' });
      await expect(loadProjectConfig('missing.yaml', dir)).rejects.toThrow(/project config missing\.yaml/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('run flags from the file and from the original', () => {
  const config = parseProjectConfig(
    'p.yaml',
    'run:\n  artifacts_dir: out\n  retry: 3\n  no_progress: true\n  sample_limit: 4\n',
  );

  it('fills in what the command line did not give; a typed flag (or its alias) wins', () => {
    const typed = new Set<keyof RunFlags>(['retries']);
    const { flags, fromFile } = applyProjectConfig(baseFlags({ retries: 0 }), config, (k) => typed.has(k));
    expect(flags).toMatchObject({ artifactsDir: 'out', retries: 0, progress: false, sample: 4 });
    expect(flags.retry).toBeUndefined();
    expect(fromFile.get('artifactsDir')).toBe('run.artifacts_dir in p.yaml');
  });

  it("maps the original's flags to ours with one note each", () => {
    const notes: string[] = [];
    const f = resolveOriginalFlags(
      baseFlags({ retry: 3, adapterTimeout: 30, ci: true, failOnSkip: true, modelWorkers: 2 }),
      (l) => notes.push(l),
    );
    expect(f).toMatchObject({ retries: 2, timeout: 30, progress: false, maxFailedRatio: 0 });
    expect(notes).toHaveLength(5);
    expect(notes[0]).toBe(
      "--retry 3 is the original TemporalCI's flag: read as --retries 2 (attempts = 1 + retries) (docs/migrating.md)",
    );
  });

  it('our own flag wins over the alias; the note says so', () => {
    const notes: string[] = [];
    const f = resolveOriginalFlags(baseFlags({ retry: 3, retries: 5, timeout: 9, adapterTimeout: 30 }), (l) =>
      notes.push(l),
    );
    expect(f).toMatchObject({ retries: 5, timeout: 9 });
    expect(notes[0]).toContain('read as --retries 5');
  });

  it('notes for values from the file name the file', () => {
    const notes: string[] = [];
    const { flags, fromFile } = applyProjectConfig(baseFlags(), config, () => false);
    resolveOriginalFlags(flags, (l) => notes.push(l), fromFile);
    expect(notes).toEqual([
      "run.retry in p.yaml (the original's): read as --retries 2 (attempts = 1 + retries) (docs/migrating.md)",
    ]);
  });
});
