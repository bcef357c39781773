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
let ADMIN = '';

beforeAll(async () => {
  if (!pg.available || !redis.available) return;
  dir = await tempDir('tci-fleet-worker-');
  // A long lease: a handed-back job must be visible well before it could have expired.
  await fleet.serve({ pgUrl: pg.url(), redisUrl: redis.url(), s3 }, 60);
  SUBMIT = await fleet.token('submit', 'ci');
  WORKER = await fleet.token('worker', 'gpu');
  ADMIN = await fleet.token('admin', 'ops');
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

  it('`workers drain` lets the job in hand be recorded, then the worker exits 0; undrain lets it claim again', async () => {
    const admin = (...args: string[]) =>
      runCli(['workers', ...args, '--coordinator-url', fleet.url], {
        env: { ...fleet.env, TEMPORALCI_TOKEN: ADMIN },
      });
    const run = submitSlowSample('admin-drain', 3);
    const w = fleet.worker(WORKER, 'box-7', path.join(dir, 'box-7'));
    await until('the worker holds a lease', async () => (await series('temporalci_leases_active')) === 1);
    const drained = await admin('drain', 'box-7');
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stdout).toBe('box-7: draining\n');
    const listed = await admin('list', '--json');
    const rows = JSON.parse(listed.stdout) as { name: string; draining: boolean; leases: number }[];
    expect(rows.find((x) => x.name === 'box-7')).toMatchObject({ draining: true, leases: 1 });
    expect(await exited(w)).toBe(0);
    const log = fleet.logs.join('');
    expect(log).toContain('the coordinator asked this worker to drain');
    expect(log).toMatch(/\(attempt 1\): recorded/);
    expect((await run).code).toBe(0);
    // Started again under the same name it stays drained, until undrain.
    expect(await exited(fleet.worker(WORKER, 'box-7', path.join(dir, 'box-7')))).toBe(0);
    expect((await admin('undrain', 'box-7')).stdout).toBe('box-7: active\n');
    const table = await admin('list');
    expect(table.stdout).toMatch(/^NAME +STATE +LEASES/);
    expect(table.stdout).toMatch(/^box-7 +active +0 /m);
    // Unknown names and other roles are refused with a reason, exit 1.
    const unknown = await admin('drain', 'no-such-box');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no worker named "no-such-box"');
    const wrongRole = await runCli(['workers', 'list', '--coordinator-url', fleet.url, '--token', SUBMIT], {
      env: fleet.env,
    });
    expect(wrongRole.code).toBe(1);
    expect(wrongRole.stderr).toContain('it must be an admin token');
    expect(wrongRole.stdout + wrongRole.stderr).not.toContain(SUBMIT);
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
