import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, SampleRecord } from '../../src/schema/run.js';
import { runCli, tempDir } from '../support/cli.js';
import { TestFleet } from '../support/fleet.js';
import { useLocalS3 } from '../support/s3.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { sprtSuite } from './sprt-helpers.js';

/**
 * A coordinator SIGKILLed in the middle of a fleet run and started again: the new process takes the run
 * over from Postgres (src/fleet/coordinator/recover.ts), the workers' leases and the submitter's polling
 * ride out the outage, and the run ends with every sample recorded exactly once and the values of a local
 * run of the same suite.
 */

const pgService = requirePostgres();
const redis = requireRedis();
const s3 = useLocalS3('tci-fleet-restart');

let dir: string;
let SUBMIT = '';
const fleet = new TestFleet();

beforeAll(async () => {
  if (!pgService.available || !redis.available) return;
  dir = await tempDir('tci-fleet-restart-');
  await fleet.serve({ pgUrl: pgService.url(), redisUrl: redis.url(), s3 });
  SUBMIT = await fleet.token('submit', 'ci-restart');
  const worker = await fleet.token('worker', 'gpu-restart');
  for (const n of ['r1', 'r2']) fleet.worker(worker, n, path.join(dir, n));
}, 120_000);

afterAll(() => fleet.stop());

const strip = (s: SampleRecord) => {
  const { timings: _t, metadata: _m, video_path: _v, ...rest } = s;
  return rest;
};

async function query<T extends pg.QueryResultRow>(sql: string, args: unknown[]): Promise<T[]> {
  const c = new pg.Client({ connectionString: pgService.url() });
  await c.connect();
  try {
    return (await c.query<T>(sql, args)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!pgService.available || !redis.available)('a coordinator restarted mid-run', () => {
  it('loses no sample and records none twice; the run equals a local one', async () => {
    const suite = path.join(dir, 'suite.yaml');
    // 16 samples of ~0.6 s on two workers: the kill lands with some done, some leased, some queued.
    await writeFile(suite, sprtSuite({ mockParams: '{sleep_sec: 0.6}', seeds: [0, 1, 2, 3] }));
    const out = path.join(dir, 'fleet.json');
    const submitted = runCli(
      [
        'run',
        suite,
        '--coordinator-url',
        fleet.url,
        '--baseline-mode',
        'none',
        '--no-progress',
        '--output-json',
        out,
      ],
      { env: { ...fleet.env, TEMPORALCI_TOKEN: SUBMIT } },
    );
    let done = 0;
    for (let i = 0; i < 600 && done < 3; i++) {
      await delay(100);
      const rows = await query<{ n: string }>(
        `select count(*) as n from fleet_results r join fleet_runs f using (run_key) where f.suite = 'sprt' and f.state = 'running'`,
        [],
      );
      done = Number(rows[0]?.n ?? 0);
    }
    expect(done, fleet.logs.join('')).toBeGreaterThanOrEqual(3);
    await fleet.killAndRestartCoordinator();

    // A hang would otherwise end as a bare test timeout: fail with the fleet's logs instead.
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the fleet run did not end in 200 s:\n${fleet.logs.join('')}`)),
        200_000,
      );
    });
    const r = await Promise.race([submitted, hung]).finally(() => clearTimeout(timer));
    expect(r.code, `${r.stderr}\n${fleet.logs.join('')}`).toBe(0);
    const record = (JSON.parse(await readFile(out, 'utf8')) as { runs: RunRecord[] }).runs[0] as RunRecord;
    const key = ['p', 'sprt', 'm', record.run_id].join('/');

    const ids = record.samples.map((s) => s.sample_id);
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(16);
    const results = await query<{ sample_id: string; n: string }>(
      'select sample_id, count(*) as n from fleet_results where run_key = $1 group by sample_id',
      [key],
    );
    expect(results).toHaveLength(16);
    expect(results.every((x) => x.n === '1')).toBe(true);
    const restored = await query<{ kind: string }>(
      `select kind from fleet_events where run_key = $1 and kind = 'restored'`,
      [key],
    );
    expect(restored).toHaveLength(1);
    const leased = await query<{ n: string }>(
      `select count(*) as n from fleet_tasks where run_key = $1 and state = 'leased'`,
      [key],
    );
    expect(leased[0]?.n).toBe('0');

    const localOut = path.join(dir, 'local.json');
    const local = await runCli([
      'run',
      suite,
      '--artifacts-dir',
      path.join(dir, 'artifacts'),
      '--baseline-mode',
      'none',
      '--no-progress',
      '--output-json',
      localOut,
    ]);
    const localRecord = (JSON.parse(await readFile(localOut, 'utf8')) as { runs: RunRecord[] })
      .runs[0] as RunRecord;
    expect(r.code).toBe(local.code);
    expect(record.status).toBe(localRecord.status);
    expect(record.gates).toEqual(localRecord.gates);
    expect(record.samples.map(strip)).toEqual(localRecord.samples.map(strip));
  }, 300_000);
});
