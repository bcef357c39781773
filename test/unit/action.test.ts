import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.js';

/** action.yml at the repository root: a composite action whose scripts call real `temporalci` flags. */

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as Action;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};
const steps = action.runs.steps;

/** The long flags a command accepts, from the CLI's own definition. */
async function flagsOf(command: string): Promise<Set<string>> {
  const program = await buildProgram(command);
  const c = program.commands.find((x) => x.name() === command);
  expect(c, command).toBeDefined();
  return new Set(c!.options.map((o) => o.long).filter((l): l is string => l !== undefined));
}

/** Every `--flag` a step's script passes to `temporalci <command>` (its own lines, from `flags=(…)` too). */
function scriptFlags(script: string): string[] {
  return [...script.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)]
    .map((m) => m[0])
    .filter(
      (f) =>
        ![
          '--yes',
          '--repo',
          '--workflow',
          '--branch',
          '--status',
          '--limit',
          '--json',
          '--jq',
          '--name',
          '--dir',
        ].includes(f),
    );
}

function stepRunning(command: string): Step {
  const step = steps.find((s) => s.run?.includes(`"$PACKAGE" ${command} `));
  expect(step, `a step runs temporalci ${command}`).toBeDefined();
  return step!;
}

describe('action.yml', () => {
  it('is a composite action with the inputs the docs promise', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.suite?.required).toBe(true);
    for (const name of ['baseline-source', 'artifacts-path', 'report-url', 'comment', 'coordinator-url']) {
      expect(action.inputs[name], name).toBeDefined();
      expect(action.inputs[name]!.description.length).toBeGreaterThan(10);
    }
    expect(action.inputs.comment?.default).toBe('true');
    expect(action.outputs['exit-code']?.value).toBe('${{ steps.run.outputs.exit-code }}');
  });

  it('pins the package to the version in package.json, by name', () => {
    const pins = [...JSON.stringify(action).matchAll(/temporalci@([^"\s\\]+)/g)].map((m) => m[1]);
    expect(pins.length).toBeGreaterThan(0);
    expect(new Set(pins)).toEqual(new Set([pkg.version]));
    expect(pkg.name).toBe('temporalci');
  });

  it('calls temporalci run and pr-comment with flags that exist', async () => {
    for (const command of ['run', 'pr-comment']) {
      const known = await flagsOf(command);
      const used = scriptFlags(stepRunning(command).run!);
      expect(used.length, command).toBeGreaterThan(0);
      for (const flag of used) expect(known, `${command} ${flag}`).toContain(flag);
    }
  });

  it('restores, runs, uploads, comments and only then exits with the run exit code', () => {
    const order = (pred: (s: Step) => boolean) => steps.findIndex(pred);
    const restore = order((s) => s.uses?.startsWith('actions/cache/restore@') === true);
    const download = order((s) => s.run?.includes('gh run download') === true);
    const run = order((s) => s.id === 'run');
    const upload = order((s) => s.uses?.startsWith('actions/upload-artifact@') === true);
    const comment = steps.indexOf(stepRunning('pr-comment'));
    const exit = steps.length - 1;
    expect(restore).toBeGreaterThanOrEqual(0);
    expect([restore, download].every((i) => i >= 0 && i < run)).toBe(true);
    expect(run).toBeLessThan(upload);
    expect(upload).toBeLessThan(comment);
    expect(comment).toBeLessThan(exit);
    expect(steps[exit]!.if).toBe('always()');
    expect(steps[exit]!.run).toContain('exit "$CODE"');
    expect(steps[exit]!.env?.CODE).toBe('${{ steps.run.outputs.exit-code }}');
    // The run step records the exit code instead of failing, so upload and comment still happen.
    expect(steps[run]!.run).toContain('set +e');
    expect(steps[run]!.run).toContain('echo "exit-code=$code" >> "$GITHUB_OUTPUT"');
    expect(steps[comment]!.if).toContain("inputs.comment == 'true'");
  });

  it('keys the cache per base branch and saves it only from passing runs outside pull requests', () => {
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!;
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
    expect(restore.with?.['restore-keys']).toContain('${{ steps.prep.outputs.base }}-');
    expect(save.with?.key).toBe(restore.with?.key);
    expect(save.if).toContain("steps.run.outputs.exit-code == '0'");
    expect(save.if).toContain("github.event_name != 'pull_request'");
  });

  it('passes inputs to scripts through env, never spliced into the script text', () => {
    for (const s of steps.filter((x) => x.run !== undefined)) {
      expect(s.run, s.name).not.toMatch(/\$\{\{/);
      expect(s.shell, s.name).toBe('bash');
    }
  });

  it('has scripts that bash parses', () => {
    for (const s of steps.filter((x) => x.run !== undefined)) {
      const r = spawnSync('bash', ['-n'], { input: s.run, encoding: 'utf8' });
      expect(r.status, `${s.name}: ${r.stderr}`).toBe(0);
    }
  });
});
