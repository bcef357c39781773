import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import type { CycleRecord, SoakStatus } from '../../src/soak/state.js';
import { CLI, hasStackTrace, REPO_ROOT, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * `temporalci soak` as a user runs it: the built CLI supervising child runs of the mock model, with its
 * state folder read from outside, a real webhook receiver, and real processes for the lock checks.
 */

let root: string;
beforeAll(async () => {
  root = await tempDir('tci-soak-');
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

interface Soak {
  dir: string;
  config: string;
  state: string;
}

/** A soak folder: suite.yaml and soak.yaml (fast status/telemetry timers), paths as the smallest config. */
async function soakDir(name: string, suite: string, job: string, extra = ''): Promise<Soak> {
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'suite.yaml'), suite);
  const config = path.join(dir, 'soak.yaml');
  await fs.writeFile(
    config,
    `version: 1\nartifacts_dir: ./artifacts\nstatus_interval: 0.3\ntelemetry_interval: 0.3\n${extra}jobs:\n  - suite: suite.yaml\n${job}`,
  );
  return { dir, config, state: path.join(dir, 'soak') };
}

/** The supervisor in the background, its output collected. */
function startSoak(s: Soak): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, 'soak', '--config', s.config], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

async function readStatus(s: Soak): Promise<SoakStatus | null> {
  const text = await fs.readFile(path.join(s.state, 'status.json'), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as SoakStatus);
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms = 120_000,
): Promise<T> {
  for (let waited = 0; waited < ms; waited += 100) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    await delay(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const lines = async <T>(file: string): Promise<T[]> =>
  (await fs.readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

const indexOf = async (dir: string, model: string) =>
  (
    JSON.parse(
      await fs.readFile(path.join(dir, 'artifacts', 'tiny', 'smoke', model, 'index.json'), 'utf8'),
    ) as {
      runs: Array<{ run_id: string; status: string }>;
    }
  ).runs;

/** Running, not merely existing: a killed orphan may linger as a zombie when PID 1 does not reap. */
const alive = async (pid: number) => {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
};

const ONE_SAMPLE = `  - id: t
    prompts: ["a red ball bouncing"]
    seeds: [0]
    video: {num_frames: 6, fps: 8, resolution: 64}`;

describe('temporalci soak', () => {
  it('runs a cron job at its wall-clock slots: every 3rd second, two cycles', async () => {
    // Six fields: croner's optional seconds field, so the test waits seconds, not minutes.
    const s = await soakDir(
      'cron',
      tinySuite({ tests: ONE_SAMPLE }),
      '    cron: "*/3 * * * * *"\n    max_cycles: 2\n    expect: pass\n',
    );
    const { code, stderr } = await startSoak(s).done;
    expect(code, stderr).toBe(0);
    expect((await indexOf(s.dir, 'm1')).map((r) => r.status)).toEqual(['PASS', 'PASS']);
    const cycles = await lines<CycleRecord>(path.join(s.state, 'cycles.jsonl'));
    expect(cycles.map((c) => c.cycle)).toEqual([1, 2]);
    for (const c of cycles) {
      // A cycle starts at its slot (a second divisible by 3), give or take the start-up of a timer.
      const t = Date.parse(c.started_utc);
      const intoSlot = t % 3000;
      expect(intoSlot, c.started_utc).toBeLessThan(900);
    }
  });

  it('runs three cycles every 2s: three runs in the index, status between cycles, summary counts', async () => {
    const s = await soakDir(
      'three',
      tinySuite({ tests: ONE_SAMPLE }),
      '    every: 2s\n    max_cycles: 3\n    expect: pass\n',
    );
    const { done } = startSoak(s);
    const seen = new Set<string>();
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      const st = await readStatus(s);
      if (st?.phase === 'running') seen.add(`${st.jobs[0]!.cycles_done}:${st.updated_utc}`);
      await delay(100);
    }
    const { code, stderr } = await done;
    expect(code, stderr).toBe(0);
    // Written while running after the first and after the second cycle, not only at the end.
    const doneCounts = new Set([...seen].map((k) => k.split(':')[0]));
    expect(doneCounts.has('1') && doneCounts.has('2'), [...seen].join(' ')).toBe(true);
    const runs = await indexOf(s.dir, 'm1');
    expect(runs.map((r) => r.status)).toEqual(['PASS', 'PASS', 'PASS']);
    const st = (await readStatus(s))!;
    expect(st.phase).toBe('finished');
    await expect(fs.access(path.join(s.state, 'soak.lock'))).rejects.toThrow();

    const sum = await runCli(['soak', 'summary', '--config', s.config, '--json']);
    expect(sum.code, sum.stderr).toBe(0);
    const summary = JSON.parse(sum.stdout) as {
      cycles: number;
      by_outcome: Record<string, number>;
      detector_misses: number;
      duration_s: { p50: number | null; p95: number | null };
      jobs: Array<{ runs: Array<{ run_id: string }> }>;
    };
    expect(summary).toMatchObject({ cycles: 3, by_outcome: { pass: 3 }, detector_misses: 0 });
    expect(summary.duration_s.p50).toBeGreaterThan(0);
    expect(summary.jobs[0]!.runs.map((r) => r.run_id)).toEqual(runs.map((r) => r.run_id));
    const md = await fs.readFile(path.join(s.state, 'summary.md'), 'utf8');
    expect(md).toContain('3 cycles: pass 3. Detector misses: 0.');
    for (const r of runs) expect(md).toContain(r.run_id);
    const health = await runCli(['soak', 'status', '--config', s.config]);
    expect(health.code, health.stdout).toBe(0);
  });

  describe('with a webhook', () => {
    let server: Server;
    const bodies: Array<Record<string, unknown>> = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          bodies.push(JSON.parse(body) as Record<string, unknown>);
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('raises the detector alarm when an expect: fail job passes', async () => {
      const port = (server.address() as { port: number }).port;
      const s = await soakDir(
        'miss',
        tinySuite({ tests: ONE_SAMPLE }),
        '    every: 2s\n    max_cycles: 1\n    expect: fail\n',
        `notify:\n  url: http://127.0.0.1:${port}/hook\n`,
      );
      const { code, stderr } = await startSoak(s).done;
      expect(code, stderr).toBe(2);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatchObject({
        source: 'temporalci-soak',
        event: 'detector_miss',
        outcome: 'pass',
        expect: 'fail',
        cycle: 1,
      });
      const cycles = await lines<CycleRecord>(path.join(s.state, 'cycles.jsonl'));
      expect(cycles.map((c) => [c.outcome, c.detector_miss, c.as_expected])).toEqual([['pass', true, false]]);
      const health = await runCli(['soak', 'status', '--config', s.config]);
      expect(health.code).toBe(1);
      expect(health.stdout).toContain('not come out as expected');
    });
  });

  it('after a SIGKILL of the supervisor: status unhealthy, repair cleans up, the next soak resumes the cycle', async () => {
    // 4 s a sample: the orphaned cycle must still be running when `soak repair` comes, three CLI calls later
    // on a loaded runner.
    const slow = tinySuite({
      models: '  - name: slow\n    adapter: mock\n    params: {sleep_sec: 4}',
      extra: 'run:\n  workers: 1\n',
    });
    const s = await soakDir('kill', slow, '    every: 2s\n    max_cycles: 1\n');
    const { child, done } = startSoak(s);
    const current = await waitFor('a finished sample of the first cycle', async () => {
      const c = (await readStatus(s))?.jobs[0]?.current;
      return c && c.samples_done >= 1 && c.child !== null ? c : undefined;
    });
    child.kill('SIGKILL');
    await done;
    expect(await alive(current.child!.pid)).toBe(true); // the cycle's own process group outlives its supervisor

    const status = await runCli(['soak', 'status', '--config', s.config]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('died without cleaning up');
    const again = await runCli(['soak', '--config', s.config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('soak repair');

    const repair = await runCli(['soak', 'repair', '--config', s.config]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toContain(`stopped the orphaned cycle (process group ${current.child!.pid})`);
    expect(await alive(current.child!.pid)).toBe(false);
    await expect(fs.access(path.join(s.state, 'soak.lock'))).rejects.toThrow();
    expect((await runCli(['soak', 'repair', '--config', s.config])).stdout).toContain('nothing to repair');

    const resumed = await runCli(['soak', '--config', s.config]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('did not stop cleanly');
    const cycles = await lines<CycleRecord>(path.join(s.state, 'cycles.jsonl'));
    expect(cycles.map((c) => [c.cycle, c.outcome, c.resumed])).toEqual([[1, 'pass', true]]);
    const runs = await indexOf(s.dir, 'slow');
    expect(runs).toHaveLength(1);
    const rec = JSON.parse(
      await fs.readFile(
        path.join(s.dir, 'artifacts', 'tiny', 'smoke', 'slow', runs[0]!.run_id, 'run.json'),
        'utf8',
      ),
    ) as RunRecord;
    expect(rec.status).toBe('PASS');
    expect(rec.resumed?.sessions).toBeGreaterThanOrEqual(2);
    expect(rec.counts).toMatchObject({ planned: 4, measured: 4 });
    expect(resumed.stderr + repair.stderr + status.stderr).not.toSatisfy(hasStackTrace);
  });

  it('a multi-model cycle cut short in its first model: the next soak resumes it and runs the model that never started', async () => {
    const two = tinySuite({
      models:
        '  - name: slow\n    adapter: mock\n    params: {sleep_sec: 4}\n  - name: later\n    adapter: mock',
      extra: 'run:\n  workers: 1\n',
    });
    const s = await soakDir('kill-two', two, '    every: 2s\n    max_cycles: 1\n');
    const { child, done } = startSoak(s);
    await waitFor('a finished sample of the first model', async () => {
      const c = (await readStatus(s))?.jobs[0]?.current;
      return c && c.samples_done >= 1 && c.child !== null ? c : undefined;
    });
    child.kill('SIGKILL');
    await done;
    const repair = await runCli(['soak', 'repair', '--config', s.config]);
    expect(repair.code, repair.stderr).toBe(0);
    await expect(fs.access(path.join(s.dir, 'artifacts', 'tiny', 'smoke', 'later'))).rejects.toThrow();

    const resumed = await runCli(['soak', '--config', s.config]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const cycles = await lines<CycleRecord>(path.join(s.state, 'cycles.jsonl'));
    expect(cycles.map((c) => [c.cycle, c.outcome, c.resumed])).toEqual([[1, 'pass', true]]);
    expect(cycles[0]!.runs.map((r) => [r.model, r.status]).sort()).toEqual([
      ['later', 'PASS'],
      ['slow', 'PASS'],
    ]);
    expect((await indexOf(s.dir, 'slow')).map((r) => r.status)).toEqual(['PASS']);
    expect((await indexOf(s.dir, 'later')).map((r) => r.status)).toEqual(['PASS']);
  });

  it('soak stop never signals a process that merely reuses the recorded pid', async () => {
    const s = await soakDir('reused', tinySuite({ tests: ONE_SAMPLE }), '    every: 2s\n    max_cycles: 1\n');
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const stat = await fs.readFile(`/proc/${sleeper.pid}/stat`, 'utf8');
      const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
      const boot = (await fs.readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
      await fs.mkdir(s.state, { recursive: true });
      const lock = {
        pid: sleeper.pid,
        start_time: String(Number(start) - 100),
        boot_id: boot,
        hostname: 'h',
        started_utc: '2026-01-01T00:00:00Z',
      };
      await fs.writeFile(path.join(s.state, 'soak.lock'), JSON.stringify(lock));
      const stop = await runCli(['soak', 'stop', '--config', s.config]);
      expect(stop.code, stop.stderr).toBe(0);
      expect(stop.stdout).toContain(
        `pid ${sleeper.pid} now belongs to another process; nothing was signalled`,
      );
      await delay(300);
      expect(sleeper.exitCode).toBeNull();
      expect(await alive(sleeper.pid!)).toBe(true);
      expect((await runCli(['soak', 'status', '--config', s.config])).code).toBe(1);
      const repair = await runCli(['soak', 'repair', '--config', s.config]);
      expect(repair.code, repair.stderr).toBe(0);
      expect(await alive(sleeper.pid!)).toBe(true);
      await expect(fs.access(path.join(s.state, 'soak.lock'))).rejects.toThrow();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('a cycle longer than the staleness limit stays healthy; soak stop ends it with phase stopped', async () => {
    const slow = tinySuite({
      models: '  - name: slow\n    adapter: mock\n    params: {sleep_sec: 8}',
      tests: ONE_SAMPLE,
    });
    const s = await soakDir('stale', slow, '    every: 2s\n    max_cycles: 1\n', 'stale_after: 1\n');
    const { child, done } = startSoak(s);
    // Past the limit counted from the cycle's start: a status written only at cycle boundaries would be stale.
    await waitFor('the cycle to outlast the staleness limit', async () => {
      const c = (await readStatus(s))?.jobs[0]?.current;
      return c && Date.now() - Date.parse(c.started_utc) > 2500 ? c : undefined;
    });
    const health = await runCli(['soak', 'status', '--config', s.config, '--json']);
    expect(health.code, health.stdout).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ healthy: true, holder: 'alive' });

    const stop = await runCli(['soak', 'stop', '--config', s.config]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`stopped the soak (pid ${child.pid})`);
    const { code } = await done;
    expect(code).toBe(130);
    const st = (await readStatus(s))!;
    expect(st.phase).toBe('stopped');
    expect(st.jobs[0]!.current?.cycle).toBe(1); // kept, so the next soak resumes it
    await expect(fs.access(path.join(s.state, 'soak.lock'))).rejects.toThrow();
    expect((await runCli(['soak', 'stop', '--config', s.config])).stdout).toContain('not running');
  });

  it('writes telemetry rows at the interval; a model that grows its memory shows a positive leak slope', async () => {
    // A command "model": node grows its heap by 8 MB every 150 ms for 3 s, then ffmpeg renders the video
    // (`} }`, not `}}`: the adapter reads `}}` as a literal brace).
    const grow = [
      'const {execFileSync}=require("node:child_process");const keep=[];let i=0;',
      'const t=setInterval(()=>{keep.push(Buffer.alloc(8e6,1));if(++i===20){clearInterval(t);',
      'execFileSync("ffmpeg",["-v","error","-y","-f","lavfi","-i","testsrc2=size=64x64:rate=8","-frames:v","6","-pix_fmt","yuv420p",process.argv[1]]);} },150);',
    ].join('');
    const models = `  - name: grow\n    adapter: command\n    params:\n      argv: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(grow)}, "{output}"]`;
    const s = await soakDir(
      'leak',
      tinySuite({ models, tests: ONE_SAMPLE }),
      '    every: 2s\n    max_cycles: 1\n',
    );
    const { code, stderr } = await startSoak(s).done;
    expect(code, stderr).toBe(0);
    const rows = await lines<{
      t_s: number;
      children: Record<string, number | null>;
      disk_free_bytes: number | null;
    }>(path.join(s.state, 'telemetry.jsonl'));
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < rows.length; i++)
      expect(rows[i]!.t_s - rows[i - 1]!.t_s).toBeGreaterThanOrEqual(0.25);
    const rss = rows.map((r) => r.children.suite).filter((v): v is number => typeof v === 'number');
    expect(rss.length).toBeGreaterThanOrEqual(3);
    // The model's 160 MB are counted (the run starts the command in a group of its own), not only the
    // run's own start-up growth.
    expect(Math.max(...rss) - rss[0]!).toBeGreaterThan(100e6);
    expect(rows.at(-1)!.disk_free_bytes).toBeGreaterThan(0);
    const sum = await runCli(['soak', 'summary', '--config', s.config, '--json']);
    const summary = JSON.parse(sum.stdout) as {
      leak_slopes: { rss_mb_per_h: Record<string, number | null> };
    };
    expect(summary.leak_slopes.rss_mb_per_h.suite).toBeGreaterThan(0);
  });

  it('a bad config is an error at its line and column, nothing written', async () => {
    const s = await soakDir('bad', tinySuite(), '    every: soon\n');
    const r = await runCli(['soak', '--config', s.config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${s.config}:7:12  jobs[0].every: not a duration`);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
    await expect(fs.access(s.state)).rejects.toThrow();
  });
});
