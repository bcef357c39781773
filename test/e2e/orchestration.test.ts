import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { CLI, hasStackTrace, REPO_ROOT, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * Orchestration on the built CLI with real child processes and real signals: Ctrl-C, SIGKILL then
 * --resume, a predictive deadline and a latency gate. No timing is asserted; slow models are made slow
 * with mock sleep_sec or a sleeping shell script.
 */
let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-orch-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A command-line "model": logs one line per generation to `calls`, sleeps, then renders with ffmpeg. */
function commandSuite(calls: string, sleepS: number, seeds: number[], pidFile = ''): string {
  const script =
    `${pidFile ? `echo $$ > ${pidFile}; ` : ''}echo {seed} >> ${calls}; sleep ${sleepS}; ` +
    'ffmpeg -v error -y -f lavfi -i testsrc2=size={width}x{height}:rate={fps} -frames:v {num_frames} ' +
    '-pix_fmt yuv420p {output}';
  return tinySuite({
    models: `  - name: cmd
    adapter: command
    params:
      shell: true
      kill_grace_s: 1
      argv: [${JSON.stringify(script)}]`,
    tests: `  - id: t
    prompts: ["a test pattern"]
    seeds: [${seeds.join(', ')}]
    video: {num_frames: 6, fps: 8, resolution: 64}`,
    gates: `  - metric: vbench_temporal.score
    op: ">="
    value: 0`,
  });
}

function startCli(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out })),
  );
  return { child, done };
}

async function waitFor(check: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  for (let waited = 0; waited < limitMs; waited += 50) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function lines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

async function onlyRunDir(artifacts: string): Promise<string> {
  const root = path.join(artifacts, 'tiny', 'smoke', 'cmd');
  // Run folders only: the model folder also holds index.json and, once a run is published, trend.html.
  const names = (await fs.readdir(root, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  if (names.length !== 1) throw new Error(`expected one run folder under ${root}, found ${names.join(', ')}`);
  return path.join(root, names[0]!);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readRun(runDir: string): Promise<RunRecord> {
  return JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
}

describe('Ctrl-C', () => {
  it('stops the model process group, writes an interrupted run.json and exits 130', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'int-'));
    const pidFile = path.join(work, 'pid');
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(suite, commandSuite(path.join(work, 'calls'), 60, [0, 1, 2], pidFile));
    const artifacts = path.join(work, 'artifacts');
    const { child, done } = startCli(['run', suite, '--artifacts-dir', artifacts, '--baseline-mode', 'none']);
    await waitFor(
      async () => (await fs.readFile(pidFile, 'utf8').catch(() => '')).trim() !== '',
      'the model',
    );
    const modelPid = Number((await fs.readFile(pidFile, 'utf8')).trim());
    expect(alive(modelPid)).toBe(true);
    child.kill('SIGINT');
    const r = await done;
    expect(r.out).not.toSatisfy(hasStackTrace);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toMatch(/--resume /);
    expect(alive(modelPid)).toBe(false);
    const rec = await readRun(await onlyRunDir(artifacts));
    expect(rec.status).toBe('INTERRUPTED');
    expect(rec.exit_code).toBe(130);
    // The sample cut short is not a finished (failed) sample: a resumed run generates it again.
    expect(rec.samples).toHaveLength(0);
  }, 120_000);
});

/** Live (non-zombie) processes of a process group, read from /proc, independently of the code under test. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry));
  }
  return out;
}

describe('SIGTERM', () => {
  // CI runners and `timeout` send SIGTERM, not SIGINT: the same handler must stop the model the same way.
  it('stops every process of the model, writes an interrupted run.json and exits 130', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'term-'));
    const pidFile = path.join(work, 'pid');
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(suite, commandSuite(path.join(work, 'calls'), 60, [0, 1, 2], pidFile));
    const artifacts = path.join(work, 'artifacts');
    const { child, done } = startCli(['run', suite, '--artifacts-dir', artifacts, '--baseline-mode', 'none']);
    await waitFor(
      async () => (await fs.readFile(pidFile, 'utf8').catch(() => '')).trim() !== '',
      'the model',
    );
    // The model's shell leads its own process group; wait until its `sleep` child is running too, so the
    // check below covers a grandchild of the CLI, not only the process it spawned.
    const group = Number((await fs.readFile(pidFile, 'utf8')).trim());
    await waitFor(async () => groupMembers(group).length >= 2, "the model's sleep child");
    child.kill('SIGTERM');
    const r = await done;
    expect(r.out).not.toSatisfy(hasStackTrace);
    expect(r.code, r.out).toBe(130);
    expect(groupMembers(group)).toEqual([]);
    const rec = await readRun(await onlyRunDir(artifacts));
    expect(rec.status).toBe('INTERRUPTED');
    expect(rec.exit_code).toBe(130);
    expect(rec.errors).toContain('interrupted before every sample finished');
    // One worker: only the first sample (in the engine's generation order) had started; no other began.
    expect(await lines(path.join(work, 'calls'))).toHaveLength(1);
    expect(rec.samples).toHaveLength(0);
  }, 120_000);
});

describe('--resume after SIGKILL', () => {
  it('reuses the finished samples and generates only the missing ones, under the same run id', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'kill-'));
    const calls = path.join(work, 'calls');
    const suite = path.join(work, 'suite.yaml');
    const seeds = [0, 1, 2, 3, 4, 5];
    await fs.writeFile(suite, commandSuite(calls, 0.3, seeds));
    const artifacts = path.join(work, 'artifacts');
    const { child, done } = startCli(['run', suite, '--artifacts-dir', artifacts, '--baseline-mode', 'none']);
    let runDir = '';
    await waitFor(async () => {
      runDir = await onlyRunDir(artifacts).catch(() => '');
      return runDir !== '' && (await lines(path.join(runDir, 'samples.jsonl'))).length >= 2;
    }, 'two finished samples');
    child.kill('SIGKILL');
    await done;
    // SIGKILL leaves no run.json, only the incremental state.
    await expect(fs.access(path.join(runDir, 'run.json'))).rejects.toThrow();
    const persisted = (await lines(path.join(runDir, 'samples.jsonl'))).map(
      (l) => (JSON.parse(l) as { seed: number }).seed,
    );
    expect(persisted.length).toBeGreaterThanOrEqual(2);
    expect(persisted.length).toBeLessThan(seeds.length);
    // The command orphaned by SIGKILL (its own process group) may still be running: let it log first.
    await delay(1500);
    const callsBefore = (await lines(calls)).length;

    const r = await runCli(['run', '--resume', runDir]);
    expect(r.stderr + r.stdout).not.toSatisfy(hasStackTrace);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rec = await readRun(runDir);
    expect(rec.run_id).toBe(path.basename(runDir));
    expect(rec.status).toBe('PASS');
    expect(rec.counts).toMatchObject({ planned: 6, measured: 6, failed: 0 });
    expect(rec.resumed).toEqual({ sessions: 2, reused_samples: persisted.length });
    const resumedCalls = (await lines(calls)).slice(callsBefore).map(Number);
    // Only the samples missing from samples.jsonl were generated again.
    expect(resumedCalls.sort()).toEqual(seeds.filter((s) => !persisted.includes(s)));
    // A finished run is not resumed a second time.
    const twice = await runCli(['run', '--resume', runDir]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already finished with PASS/);
  }, 120_000);
});

describe('deadline', () => {
  const slowSuite = (extra: string) =>
    tinySuite({
      models: `  - name: slow
    adapter: mock
    params: {sleep_sec: 1}`,
      tests: `  - id: t
    prompts: ["a red ball bouncing"]
    seeds: [0, 1, 2, 3, 4, 5, 6, 7]
    video: {num_frames: 6, fps: 8, resolution: 64}`,
      extra,
    });

  it('stops predictively, records deadline_exceeded and is an error by default', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'dl-'));
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(suite, slowSuite('run: {deadline_s: 3}'));
    const r = await runCli([
      'run',
      suite,
      '--artifacts-dir',
      path.join(work, 'a'),
      '--json',
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const rec = (JSON.parse(r.stdout) as { runs: RunRecord[] }).runs[0]!;
    expect(rec.status).toBe('ERROR');
    expect(rec.deadline).toMatchObject({
      deadline_s: 3,
      policy: 'error',
      exceeded: true,
      trigger: 'predicted',
    });
    expect(rec.errors.join('\n')).toMatch(/deadline_exceeded: predicted/);
    expect(rec.counts.measured).toBeLessThan(8);
    expect(rec.skipped_samples?.length).toBe(8 - rec.samples.length);
  }, 60_000);

  it('--on-deadline evaluate gates the finished samples', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'dle-'));
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(suite, slowSuite(''));
    const r = await runCli([
      'run',
      suite,
      '--artifacts-dir',
      path.join(work, 'a'),
      '--json',
      '--deadline',
      '3',
      '--on-deadline',
      'evaluate',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const rec = (JSON.parse(r.stdout) as { runs: RunRecord[] }).runs[0]!;
    expect(rec.status).toBe('PASS');
    expect(rec.deadline).toMatchObject({ exceeded: true, policy: 'evaluate' });
    expect(rec.counts.measured).toBeGreaterThan(0);
    expect(rec.counts.measured).toBeLessThan(8);
    expect(r.stderr).toMatch(/deadline_exceeded/);
  }, 60_000);
});

describe('latency metric', () => {
  const latencySuite = (sleep: number) =>
    tinySuite({
      models: `  - name: m
    adapter: mock
    params: {sleep_sec: ${sleep}}`,
      tests: `  - id: t
    prompts: ["a red ball bouncing"]
    seeds: [0, 1, 2]
    video: {num_frames: 6, fps: 8, resolution: 64}`,
    }).replace(
      /metrics:\n[\s\S]*$/,
      `metrics:
  - name: latency
gates:
  - metric: latency.generate_s.p95
    op: "<="
    value: 0.5
  - metric: latency.generate_s
    aggregate: max
    op: "<="
    value: 0.5
`,
    );

  it('a p95 latency gate fails a slow model and passes a fast one', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'lat-'));
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(suite, latencySuite(0.8));
    const slow = await runCli(['run', suite, '--artifacts-dir', path.join(work, 'a'), '--json']);
    expect(slow.code, slow.stderr).toBe(2);
    const rec = (JSON.parse(slow.stdout) as { runs: RunRecord[] }).runs[0]!;
    const p95 = rec.gates[0]!;
    expect(p95).toMatchObject({ metric: 'latency.generate_s.p95', passed: false });
    expect(p95.actual).toBeGreaterThanOrEqual(0.8);
    expect(rec.gates[1]).toMatchObject({ aggregate: 'max', passed: false });
    const summary = rec.metrics.latency!.values.generate_s as Record<string, number>;
    expect(Object.keys(summary).sort()).toEqual(['max', 'mean', 'p50', 'p95']);
    for (const s of rec.samples) expect(s.metrics.latency!.generate_s).toBe(s.timings.generate);

    await fs.writeFile(suite, latencySuite(0));
    const fast = await runCli(['run', suite, '--artifacts-dir', path.join(work, 'b'), '--json']);
    expect(fast.code, fast.stderr).toBe(0);
  }, 60_000);

  it('rejects a p95 summary path with a non-mean aggregate at validation', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'latv-'));
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(
      suite,
      latencySuite(0).replace('value: 0.5\n  - metric', 'value: 0.5\n    aggregate: p90\n  - metric'),
    );
    const r = await runCli(['validate', suite]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/aggregate p90 needs a per-sample value/);
  });
});
