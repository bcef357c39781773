import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the BUILT CLI (npm test builds first) as a user would, in a real child process. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A small, fast suite on the mock model (64×64, 6 frames) for tests that exercise the engine, not the metrics. */
export function tinySuite(
  overrides: { models?: string; gates?: string; extra?: string; tests?: string } = {},
): string {
  return `version: 1
project: tiny
suite_name: smoke
models:
${
  overrides.models ??
  `  - name: m1
    adapter: mock
    params: {}`
}
tests:
${
  overrides.tests ??
  `  - id: t
    prompts: ["a red ball bouncing", "a slow pan over a lake"]
    seeds: [0, 1]
    video: {num_frames: 6, fps: 8, resolution: 64}`
}
metrics:
  - name: vbench_temporal
gates:
${
  overrides.gates ??
  `  - metric: vbench_temporal.score
    op: ">="
    value: 0.5`
}
${overrides.extra ?? ''}`;
}

/** Every file below `root`, recursively (for "this secret appears in no artifact" checks). */
export async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

/** True when the output contains something that looks like a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text) || /node:internal/.test(text);
}

export interface SuiteRun {
  code: number | null;
  /** run.json of the first model, as written to disk. */
  record: RunRecord;
  runDir: string;
  stdout: string;
  stderr: string;
}

/**
 * Writes `text` as `<dir>/<name>.yaml`, runs it with `--json` into `<dir>/artifacts`, and reads the first
 * model's run.json from disk (not from stdout), checking on the way that nothing printed a stack trace.
 */
export async function runSuiteText(
  dir: string,
  name: string,
  text: string,
  extra: string[] = [],
): Promise<SuiteRun> {
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(file, text);
  const r = await runCli(['run', file, '--json', '--artifacts-dir', path.join(dir, 'artifacts'), ...extra]);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  const parsed = JSON.parse(r.stdout) as { runs: { run_dir: string }[] };
  const first = parsed.runs[0];
  if (first === undefined) throw new Error(`no run in output: ${r.stdout}\n${r.stderr}`);
  const record = JSON.parse(await fs.readFile(path.join(first.run_dir, 'run.json'), 'utf8')) as RunRecord;
  return { code: r.code, record, runDir: first.run_dir, stdout: r.stdout, stderr: r.stderr };
}
