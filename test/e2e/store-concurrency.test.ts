import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { CLI, hasStackTrace, REPO_ROOT, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * The local run store under real processes on one artifacts folder: concurrent runs of one model, a run
 * killed between its run.json and its index entry, and `repair-index` after folders were changed by hand.
 */

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tci-store-e2e-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Two small samples (64×64, 6 frames) on the mock model. */
const SUITE = tinySuite({
  tests: `  - id: t
    prompts: ["a red ball bouncing"]
    seeds: [0, 1]
    video: {num_frames: 6, fps: 8, resolution: 64}`,
});

async function setUp(name: string): Promise<{ suite: string; artifacts: string; modelRoot: string }> {
  const work = await fs.mkdtemp(path.join(dir, `${name}-`));
  const suite = path.join(work, 'suite.yaml');
  await fs.writeFile(suite, SUITE);
  const artifacts = path.join(work, 'artifacts');
  return { suite, artifacts, modelRoot: path.join(artifacts, 'tiny', 'smoke', 'm1') };
}

interface HistoryRow {
  run_id: string;
  status: string;
  baseline_run_id: string | null;
}

async function history(modelRoot: string): Promise<{ rows: HistoryRow[]; stderr: string }> {
  const r = await runCli(['history', '--model-root', modelRoot, '--json', '--last-n', '0']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  return { rows: JSON.parse(r.stdout) as HistoryRow[], stderr: r.stderr };
}

const indexIds = async (modelRoot: string): Promise<string[]> =>
  (
    JSON.parse(await fs.readFile(path.join(modelRoot, 'index.json'), 'utf8')) as {
      runs: { run_id: string }[];
    }
  ).runs.map((e) => e.run_id);

const readRecord = async (runDir: string): Promise<RunRecord> =>
  JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;

const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );

describe('eight runs at once on one model', () => {
  it('loses no run over three rounds: index, history and baselines agree', async () => {
    const { suite, artifacts, modelRoot } = await setUp('eight');
    const rounds: string[][] = [];
    for (let round = 0; round < 3; round++) {
      // Rounds 1 and 2 skip the report; round 3 writes one per run (and the trend and suite pages, at once).
      const extra = round < 2 ? ['--no-report'] : [];
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          runCli(['run', suite, '--json', '--no-progress', '--artifacts-dir', artifacts, ...extra]),
        ),
      );
      const ids: string[] = [];
      for (const r of results) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).not.toSatisfy(hasStackTrace);
        ids.push(...(JSON.parse(r.stdout) as { runs: { run_id: string }[] }).runs.map((x) => x.run_id));
      }
      expect(new Set(ids).size).toBe(8);
      rounds.push(ids);
    }
    const all = rounds.flat();
    expect((await indexIds(modelRoot)).sort()).toEqual([...all].sort());
    const { rows } = await history(modelRoot);
    expect(rows.map((r) => r.run_id).sort()).toEqual([...all].sort());
    expect(rows.every((r) => r.status === 'PASS')).toBe(true);
    // The newest run's baseline is a run that exists (the latest PASS when it started).
    const last = rows[rows.length - 1]!;
    expect(last.baseline_run_id).not.toBeNull();
    expect(all).toContain(last.baseline_run_id);
    expect(await exists(path.join(modelRoot, last.baseline_run_id!, 'run.json'))).toBe(true);
    // Every run of the later rounds had a baseline from the store, and each one exists.
    for (const id of [...rounds[1]!, ...rounds[2]!]) {
      const b = (await readRecord(path.join(modelRoot, id))).baseline.run_id;
      expect(b, id).not.toBeNull();
      expect(all).toContain(b);
    }
    // Reports where they were asked for, and only there.
    for (const id of rounds[2]!) expect(await exists(path.join(modelRoot, id, 'report.html')), id).toBe(true);
    for (const id of [...rounds[0]!, ...rounds[1]!])
      expect(await exists(path.join(modelRoot, id, 'report.html')), id).toBe(false);
    expect(await exists(path.join(modelRoot, 'trend.html'))).toBe(true);
    expect(await exists(path.join(artifacts, 'tiny', 'smoke', 'index.html'))).toBe(true);
    // No lock or temp file is left behind.
    const leftovers = (await fs.readdir(modelRoot)).filter((n) => /\.(lock|tmp)$|stale/.test(n));
    expect(leftovers).toEqual([]);
  }, 600_000);
});

/**
 * Holds the model's index lock as a live process would, so that a run blocks between writing its run.json
 * and its index entry: the kill below then lands in that window every time, not only when it happens to.
 */
async function holdIndexLock(modelRoot: string): Promise<() => Promise<void>> {
  await fs.mkdir(modelRoot, { recursive: true });
  // An index that exists: the run reads it without the lock before it starts.
  await fs.writeFile(path.join(modelRoot, 'index.json'), JSON.stringify({ schema_version: 1, runs: [] }));
  const file = path.join(modelRoot, 'index.lock');
  const holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), token: 'test' };
  await fs.writeFile(file, JSON.stringify(holder), { flag: 'wx' });
  // A live holder's heartbeat: without it the lock would look abandoned after 30 s on a slow machine.
  const beat = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => undefined);
  }, 2000);
  return async () => {
    clearInterval(beat);
    await fs.rm(file);
  };
}

describe('a run killed the moment its run.json appears', () => {
  it('is added back by the next status and history, with its report', async () => {
    const { suite, artifacts, modelRoot } = await setUp('kill');
    const unlock = await holdIndexLock(modelRoot);
    const child = spawn(
      process.execPath,
      [CLI, 'run', suite, '--no-progress', '--artifacts-dir', artifacts],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
        stdio: 'ignore',
        detached: true, // its own process group, to kill it with everything it started
      },
    );
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let runDir = '';
    for (let waited = 0; runDir === '' && waited < 120_000; waited += 20) {
      const names = await fs.readdir(modelRoot).catch(() => [] as string[]);
      for (const n of names)
        if (await exists(path.join(modelRoot, n, 'run.json'))) runDir = path.join(modelRoot, n);
      if (runDir === '') await delay(20);
    }
    expect(runDir, 'run.json never appeared').not.toBe('');
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    await unlock();
    const runId = path.basename(runDir);
    expect(await indexIds(modelRoot)).toEqual([]); // killed between the two writes
    expect(await exists(path.join(runDir, 'report.html'))).toBe(false);

    const status = await runCli(['status', '--model-root', modelRoot, '--json']);
    expect(status.stderr).not.toSatisfy(hasStackTrace);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { latest: { run_id: string } }).latest.run_id).toBe(runId);
    expect(status.stderr).toMatch(new RegExp(`run ${runId} \\(PASS\\) had no index entry`));
    expect(await exists(path.join(runDir, 'report.html'))).toBe(true);
    expect(await indexIds(modelRoot)).toEqual([runId]);

    const { rows, stderr } = await history(modelRoot);
    expect(rows.map((r) => r.run_id)).toEqual([runId]);
    expect(stderr).not.toMatch(/had no index entry/); // repaired once, not at every read
    // The next run takes the recovered run as its baseline.
    const next = await runCli([
      'run',
      suite,
      '--json',
      '--no-progress',
      '--artifacts-dir',
      artifacts,
      '--no-report',
    ]);
    expect(next.code, next.stderr).toBe(0);
    expect(
      (JSON.parse(next.stdout) as { runs: { baseline: { run_id: string } }[] }).runs[0]!.baseline.run_id,
    ).toBe(runId);
  }, 180_000);
});

describe('repair-index', () => {
  it('adds a run missing from the index and drops an entry whose folder was deleted by hand', async () => {
    const { suite, artifacts, modelRoot } = await setUp('repair');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runCli([
        'run',
        suite,
        '--json',
        '--no-progress',
        '--no-report',
        '--artifacts-dir',
        artifacts,
      ]);
      expect(r.code, r.stderr).toBe(0);
      ids.push((JSON.parse(r.stdout) as { runs: { run_id: string }[] }).runs[0]!.run_id);
    }
    const [gone, lost, kept] = ids as [string, string, string];
    await fs.rm(path.join(modelRoot, gone), { recursive: true });
    const index = JSON.parse(await fs.readFile(path.join(modelRoot, 'index.json'), 'utf8')) as {
      runs: { run_id: string }[];
    };
    index.runs = index.runs.filter((e) => e.run_id !== lost);
    await fs.writeFile(path.join(modelRoot, 'index.json'), JSON.stringify(index));

    const r = await runCli(['repair-index', '--model-root', modelRoot, '--json']);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      model_root: modelRoot,
      runs: 2,
      added: [lost],
      dropped: [gone],
      released: [],
    });
    expect(await indexIds(modelRoot)).toEqual([lost, kept]);
    // The run it added gets the report it never had; the others keep having none (--no-report).
    expect(await exists(path.join(modelRoot, lost, 'report.html'))).toBe(true);
    expect(await exists(path.join(modelRoot, kept, 'report.html'))).toBe(false);

    const again = await runCli(['repair-index', '--model-root', modelRoot]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('index.json: 2 run(s); added 0, dropped 0\n');
    const missing = await runCli([
      'repair-index',
      '--model-root',
      path.join(artifacts, 'tiny', 'smoke', 'nope'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/model root .*nope does not exist/);
  }, 180_000);
});

describe('a run killed with SIGKILL mid-generation', () => {
  it('leaves its record reserve, which repair-index gives back once the session is gone, never before', async () => {
    const { artifacts, modelRoot } = await setUp('reserve');
    const suite = path.join(path.dirname(artifacts), 'slow.yaml');
    // Slow samples: the run is still generating when it is looked at, and then killed.
    await fs.writeFile(
      suite,
      tinySuite({
        models: `  - name: m1
    adapter: mock
    params: {sleep_sec: 5}`,
      }),
    );
    const child = spawn(
      process.execPath,
      [CLI, 'run', suite, '--no-progress', '--artifacts-dir', artifacts],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
        stdio: 'ignore',
        detached: true,
      },
    );
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let runDir = '';
    for (let waited = 0; runDir === '' && waited < 120_000; waited += 50) {
      const names = await fs.readdir(modelRoot).catch(() => [] as string[]);
      for (const n of names)
        if (await exists(path.join(modelRoot, n, 'run.json.reserve'))) runDir = path.join(modelRoot, n);
      if (runDir === '') await delay(50);
    }
    expect(runDir, 'run.json.reserve never appeared').not.toBe('');
    const reserve = path.join(runDir, 'run.json.reserve');

    // The session is alive: its reserve is its own.
    const live = await runCli(['repair-index', '--model-root', modelRoot, '--json']);
    expect(live.code, live.stderr).toBe(0);
    expect((JSON.parse(live.stdout) as { released: string[] }).released).toEqual([]);
    expect(await exists(reserve)).toBe(true);

    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    expect(await exists(reserve)).toBe(true);
    const r = await runCli(['repair-index', '--model-root', modelRoot]);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `released the record reserve of ${path.basename(runDir)} (its session is gone)`,
    );
    expect(await exists(reserve)).toBe(false);
    expect(await exists(path.join(runDir, 'run.lock'))).toBe(false);
    const again = await runCli(['repair-index', '--model-root', modelRoot, '--json']);
    expect((JSON.parse(again.stdout) as { released: string[] }).released).toEqual([]);
  }, 180_000);
});
