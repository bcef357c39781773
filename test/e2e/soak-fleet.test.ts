import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleRecord, SoakStatus } from '../../src/soak/state.js';
import { CLI, REPO_ROOT, runCli, tempDir } from '../support/cli.js';
import { TestFleet } from '../support/fleet.js';
import { useLocalS3 } from '../support/s3.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { sprtSuite } from './sprt-helpers.js';

/** `temporalci soak` whose cycles run on a real fleet: coordinator + one worker over Postgres, Redis, S3. */

const pg = requirePostgres();
const redis = requireRedis();
const s3 = useLocalS3('tci-soak-fleet-e2e');
const fleet = new TestFleet();
let dir: string;
let SUBMIT = '';

beforeAll(async () => {
  if (!pg.available || !redis.available) return;
  dir = await tempDir('tci-soak-fleet-');
  await fleet.serve({ pgUrl: pg.url(), redisUrl: redis.url(), s3 });
  SUBMIT = await fleet.token('submit', 'soak');
  fleet.worker(await fleet.token('worker', 'gpu'), 'soak-box', path.join(dir, 'cache'));
}, 120_000);

afterAll(() => fleet.stop());

describe.skipIf(!pg.available || !redis.available)('temporalci soak on a fleet', () => {
  it('two cycles every 2s on the coordinator; the token stays out of status, cycles, logs and summary', async () => {
    await fs.writeFile(path.join(dir, 'suite.yaml'), sprtSuite({ prompts: 1, seeds: [0] }));
    const config = path.join(dir, 'soak.yaml');
    await fs.writeFile(
      config,
      `version: 1\nstatus_interval: 0.3\ntelemetry_interval: 0.3\njobs:\n  - suite: suite.yaml\n    every: 2s\n    max_cycles: 2\n    baseline_mode: none\n    coordinator_url: ${fleet.url}\n    token_env: SOAK_SUBMIT_TOKEN\n`,
    );
    const child = spawn(process.execPath, [CLI, 'soak', '--config', config], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', SOAK_SUBMIT_TOKEN: SUBMIT },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, `${output}\n${fleet.logs.join('')}`).toBe(0);
    const state = path.join(dir, 'soak');
    const cycles = (await fs.readFile(path.join(state, 'cycles.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CycleRecord);
    expect(cycles.map((c) => [c.cycle, c.outcome, c.runs.length, c.runs[0]?.status])).toEqual([
      [1, 'pass', 1, 'PASS'],
      [2, 'pass', 1, 'PASS'],
    ]);
    expect(new Set(cycles.map((c) => c.runs[0]!.run_id)).size).toBe(2);
    const status = JSON.parse(await fs.readFile(path.join(state, 'status.json'), 'utf8')) as SoakStatus;
    expect(status.phase).toBe('finished');
    const sum = await runCli(['soak', 'summary', '--config', config, '--json']);
    expect(sum.code, sum.stderr).toBe(0);
    const summary = JSON.parse(sum.stdout) as { cycles: number; by_outcome: Record<string, number> };
    expect(summary.cycles).toBe(2);
    expect(summary.by_outcome).toEqual({ pass: 2 });
    // The submit token appears nowhere the soak writes.
    const written: string[] = [output, sum.stdout];
    for (const f of await fs.readdir(state, { recursive: true })) {
      const p = path.join(state, f);
      if ((await fs.stat(p)).isFile()) written.push(await fs.readFile(p, 'utf8'));
    }
    for (const text of written) expect(text).not.toContain(SUBMIT);
  }, 180_000);
});
