import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, SampleRecord } from '../../src/schema/run.js';
import { type CliResult, runCli, tempDir } from '../support/cli.js';
import { exited, TestFleet } from '../support/fleet.js';
import { useLocalS3 } from '../support/s3.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { sprtSuite } from './sprt-helpers.js';

/**
 * The fleet's recovery end to end (issue: lease 3 s, heartbeat 1 s, three workers, a 12-sample SPRT suite
 * of ~1.5 s samples): one worker is SIGKILLed while it holds a lease, another SIGSTOPped past its lease and
 * then SIGCONTed. Every sample is recorded exactly once, the killed sample is back in the queue within the
 * lease and two stalled-job sweeps, the zombie records nothing, no task stays leased, and the run equals a local run of
 * the same suite against the same baseline.
 */

const pgService = requirePostgres();
const redis = requireRedis();
const s3 = useLocalS3('tci-fleet-recovery');
const LEASE_S = 3;
const SWEEP_S = 1;

let dir: string;
let SUBMIT = '';
const fleet = new TestFleet();
const workers = new Map<string, ChildProcess>();

beforeAll(async () => {
  if (!pgService.available || !redis.available) return;
  dir = await tempDir('tci-fleet-recovery-');
  await fleet.serve({ pgUrl: pgService.url(), redisUrl: redis.url(), s3 }, LEASE_S);
  SUBMIT = await fleet.token('submit', 'ci-recovery');
  const token = await fleet.token('worker', 'gpu-recovery');
  for (const n of ['k1', 'k2', 'k3']) workers.set(n, fleet.worker(token, n, path.join(dir, n)));
}, 120_000);

afterAll(async () => {
  for (const w of workers.values()) if (w.exitCode === null) w.kill('SIGCONT');
  await fleet.stop();
});

async function query<T extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: pgService.url() });
  await c.connect();
  try {
    return (await c.query<T>(sql, args)).rows;
  } finally {
    await c.end();
  }
}

const strip = (s: SampleRecord) => {
  const { timings: _t, metadata: _m, video_path: _v, ...rest } = s;
  return rest;
};

function runArgs(suite: string, baseline: string, out: string, where: string[]): string[] {
  return ['run', suite, ...where, '--baseline-mode', baseline, '--no-progress', '--output-json', out];
}

async function recordOf(out: string): Promise<RunRecord> {
  return (JSON.parse(await readFile(out, 'utf8')) as { runs: RunRecord[] }).runs[0] as RunRecord;
}

describe.skipIf(!pgService.available || !redis.available)('fleet recovery: kill -9 and a zombie', () => {
  it('records each sample once, re-dispatches the killed one, refuses the zombie, equals a local run', async () => {
    const suite = path.join(dir, 'suite.yaml');
    await writeFile(suite, sprtSuite({ mockParams: '{sleep_sec: 1.5}', prompts: 3, seeds: [0, 1, 2, 3] }));
    const fleetArgs = ['--coordinator-url', fleet.url];
    const env = { env: { ...fleet.env, TEMPORALCI_TOKEN: SUBMIT } };
    const localArgs = ['--artifacts-dir', path.join(dir, 'artifacts')];
    const base = await runCli(runArgs(suite, 'none', path.join(dir, 'fb.json'), fleetArgs), env);
    expect(base.code, base.stderr + fleet.logs.join('')).toBe(0);
    const localBase = await runCli(runArgs(suite, 'none', path.join(dir, 'lb.json'), localArgs));
    expect(localBase.code, localBase.stderr).toBe(0);

    const out = path.join(dir, 'fc.json');
    const submitted: Promise<CliResult> = runCli(runArgs(suite, 'latest_pass', out, fleetArgs), env);
    // Two workers holding leases of the candidate run: one to kill, one to freeze.
    let held: { leased_by: string; sample_id: string; run_key: string }[] = [];
    for (let i = 0; i < 300 && new Set(held.map((h) => h.leased_by)).size < 2; i++) {
      await delay(50);
      held = await query(
        `select t.leased_by, t.sample_id, t.run_key from fleet_tasks t join fleet_runs f using (run_key)
         where f.state = 'running' and t.state = 'leased'`,
      );
    }
    const byWorker = new Map(held.map((h) => [h.leased_by, h]));
    expect(byWorker.size, fleet.logs.join('')).toBeGreaterThanOrEqual(2);
    const [killed, frozen] = [...byWorker.values()] as [(typeof held)[0], (typeof held)[0]];
    const runKey = killed.run_key;
    const killedAt = Date.now();
    workers.get(killed.leased_by)?.kill('SIGKILL');
    workers.get(frozen.leased_by)?.kill('SIGSTOP');
    await delay((LEASE_S + SWEEP_S + 2) * 1000);
    workers.get(frozen.leased_by)?.kill('SIGCONT');

    const r = await submitted;
    expect(r.code, `${r.stderr}\n${fleet.logs.join('')}`).not.toBe(1);
    const record = await recordOf(out);
    const local = await runCli(runArgs(suite, 'latest_pass', path.join(dir, 'lc.json'), localArgs));
    const localRecord = await recordOf(path.join(dir, 'lc.json'));
    expect(r.code).toBe(local.code);
    expect(record.status).toBe(localRecord.status);
    expect(record.gates).toEqual(localRecord.gates);
    expect(record.sequential).toEqual(localRecord.sequential);
    expect(record.samples.map(strip)).toEqual(localRecord.samples.map(strip));

    const ids = record.samples.map((s) => s.sample_id);
    expect(new Set(ids).size).toBe(ids.length);
    const results = await query<{ sample_id: string; worker: string; attempt: number }>(
      'select sample_id, worker, attempt from fleet_results where run_key = $1',
      [runKey],
    );
    expect(new Set(results.map((x) => x.sample_id)).size).toBe(results.length);
    for (const id of ids) expect(results.map((x) => x.sample_id)).toContain(id);

    // The killed worker's sample: back in the queue within the lease and two sweeps, then claimed by a live
    // worker (as soon as one is free: the others are busy with their own samples).
    const requeued = await query<{ at: Date }>(
      `select at from fleet_events where run_key = $1 and kind = 'lease_lost' and detail->>'sample' = $2
       order by id limit 1`,
      [runKey, killed.sample_id],
    );
    const reclaimed = await query<{ worker: string }>(
      `select detail->>'worker' as worker from fleet_events
       where run_key = $1 and kind = 'claimed' and detail->>'sample' = $2 and (detail->>'attempt')::int > 1
       order by id limit 1`,
      [runKey, killed.sample_id],
    );
    if (ids.includes(killed.sample_id)) {
      expect(requeued, 'the killed lease was never found lost').toHaveLength(1);
      // A protocol bound, not a speed figure: BullMQ's stalled check marks an unlocked job on one sweep
      // and moves it back on the next, so the lease plus two sweeps, plus a second of slack.
      expect(requeued[0]!.at.getTime() - killedAt).toBeLessThanOrEqual((LEASE_S + 2 * SWEEP_S + 1) * 1000);
      expect(reclaimed, 'the killed sample was not dispatched again').toHaveLength(1);
      expect(reclaimed[0]?.worker).not.toBe(killed.leased_by);
    }
    // The zombie's lease was given away: nothing it held then is recorded under its name.
    const lost = await query(
      `select 1 from fleet_events where run_key = $1 and kind = 'lease_lost' and detail->>'sample' = $2`,
      [runKey, frozen.sample_id],
    );
    expect(lost.length).toBeGreaterThan(0);
    const zombieResult = results.find((x) => x.sample_id === frozen.sample_id);
    if (zombieResult !== undefined) expect(zombieResult.attempt).toBeGreaterThan(1);
    await delay(1500);
    expect(fleet.logs.join('')).toMatch(new RegExp(`${frozen.sample_id}.*(lease_lost|refused)`));
    const leased = await query(`select 1 from fleet_tasks where run_key = $1 and state = 'leased'`, [runKey]);
    expect(leased).toHaveLength(0);
    expect(await exited(workers.get(killed.leased_by) as ChildProcess)).toBe('SIGKILL');
  }, 300_000);
});
