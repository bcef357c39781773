import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { exited, TestFleet } from '../support/fleet.js';
import { useLocalS3 } from '../support/s3.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { sprtSuite } from './sprt-helpers.js';

/**
 * A worker's life cycle with the built CLI (seed 001: spot instances, autoscaled pools): it stops by itself
 * when idle, drains on SIGTERM (the job in hand is finished and recorded) and, on a second signal, hands
 * its lease back at once instead of leaving it to expire.
 */

const pg = requirePostgres();
const redis = requireRedis();
const s3 = useLocalS3('tci-fleet-worker-e2e');
const fleet = new TestFleet();
let dir: string;
let SUBMIT = '';
let WORKER = '';

beforeAll(async () => {
  if (!pg.available || !redis.available) return;
  dir = await tempDir('tci-fleet-worker-');
  // A long lease: a handed-back job must be visible well before it could have expired.
  await fleet.serve({ pgUrl: pg.url(), redisUrl: redis.url(), s3 }, 60);
  SUBMIT = await fleet.token('submit', 'ci');
  WORKER = await fleet.token('worker', 'gpu');
}, 120_000);

afterAll(() => fleet.stop());

/** One series of the coordinator's /metrics. */
async function series(name: string): Promise<number> {
  const text = await (
    await fetch(`${fleet.url}/metrics`, { headers: { authorization: `Bearer ${WORKER}` } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics:\n${text}`);
  return Number(line.slice(name.length + 1));
}

async function until(what: string, ok: () => Promise<boolean>, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 5; i++) {
    if (await ok()) return;
    await delay(200);
  }
  throw new Error(`timed out waiting until ${what}:\n${fleet.logs.join('')}`);
}

/** Submits a one-sample suite whose mock takes `sleepSec`; resolves with the `run` CLI's result. */
async function submitSlowSample(name: string, sleepSec: number) {
  const suite = path.join(dir, `${name}.yaml`);
  await writeFile(suite, sprtSuite({ mockParams: `{ sleep_sec: ${sleepSec} }`, prompts: 1, seeds: [0] }));
  return runCli(['run', suite, '--coordinator-url', fleet.url, '--baseline-mode', 'none', '--no-progress'], {
    env: { ...fleet.env, TEMPORALCI_TOKEN: SUBMIT },
  });
}

describe.skipIf(!pg.available || !redis.available)('temporalci worker life cycle', () => {
  it('--exit-when-idle stops an idle worker with exit 0 and then runs --on-idle-exit', async () => {
    const marker = path.join(dir, 'powered-off');
    const w = fleet.worker(WORKER, 'idle', path.join(dir, 'idle'), [
      '--exit-when-idle',
      '1',
      '--on-idle-exit',
      `touch '${marker}'`,
    ]);
    expect(await exited(w)).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(fleet.logs.join('')).toContain('idle for 1 s, exiting');
  });

  it('refuses --on-idle-exit without --exit-when-idle', async () => {
    const r = await runCli(
      ['worker', '--coordinator-url', fleet.url, '--token', WORKER, '--on-idle-exit', 'true'],
      { env: fleet.env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--on-idle-exit needs --exit-when-idle');
  });

  it('SIGTERM drains: the job in hand is finished and recorded, then the worker exits 0', async () => {
    const run = submitSlowSample('drain', 4);
    const w = fleet.worker(WORKER, 'drainer', path.join(dir, 'drainer'));
    await until('the worker holds a lease', async () => (await series('temporalci_leases_active')) === 1);
    w.kill('SIGTERM');
    expect(await exited(w)).toBe(0);
    const log = fleet.logs.join('');
    expect(log).toContain('draining: finishing the current job');
    expect(log).toMatch(/\(attempt 1\): recorded/);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
  });

  it('a second signal stops the job and hands its lease back long before the lease expires', async () => {
    const run = submitSlowSample('handback', 6);
    const first = fleet.worker(WORKER, 'stopper', path.join(dir, 'stopper'));
    await until('the worker holds a lease', async () => (await series('temporalci_leases_active')) === 1);
    first.kill('SIGTERM');
    await delay(300);
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    expect(fleet.logs.join('')).toContain('stopping now: the current job is handed back');
    // The lease is 60 s: the sample is queued again because it was handed back, not because it expired.
    await until(
      'the sample is queued again',
      async () => (await series('temporalci_tasks{state="queued"}')) === 1,
      20,
    );
    expect(await series('temporalci_leases_active')).toBe(0);
    const second = fleet.worker(WORKER, 'finisher', path.join(dir, 'finisher'));
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    expect(fleet.logs.join('')).toMatch(/\(attempt 2\): recorded/);
  });
});
