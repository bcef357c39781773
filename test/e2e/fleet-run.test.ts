import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, SampleRecord } from '../../src/schema/run.js';
import { CLI, type CliResult, runCli, tempDir } from '../support/cli.js';
import { DUMMY_CREDENTIALS, useLocalS3 } from '../support/s3.js';
import { requirePostgres, requireRedis } from '../support/services.js';
import { sprtSuite } from './sprt-helpers.js';

/**
 * The fleet end to end with the built CLI: `serve`, two `worker` processes and `run --coordinator-url`, on
 * a mock SPRT suite against a baseline. The verdict, gates, SPRT trace and sample values must equal a local
 * `temporalci run` of the same suite against the same baseline. Every process is ours, on 127.0.0.1.
 */

const pg = requirePostgres();
const redis = requireRedis();
const s3 = useLocalS3('tci-fleet-e2e');

// Issued by `temporalci tokens create` once the coordinator has migrated the database.
let SUBMIT = '';
let WORKER = '';
const procs: ChildProcess[] = [];
let dir: string;
let url: string;
let env: Record<string, string>;
const logs: string[] = [];

function start(args: string[]): ChildProcess {
  const p = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
  p.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  procs.push(p);
  return p;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function up(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await delay(100);
  }
  throw new Error(`the coordinator did not come up:\n${logs.join('')}`);
}

beforeAll(async () => {
  if (!pg.available || !redis.available) return;
  dir = await tempDir('tci-fleet-e2e-');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    TEMPORALCI_DATABASE_URL: pg.url(),
    TEMPORALCI_REDIS_URL: redis.url(),
    TEMPORALCI_S3_BUCKET: s3.bucket,
    TEMPORALCI_S3_ENDPOINT: s3.endpoint,
    TEMPORALCI_S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    TEMPORALCI_TASK_LEASE_SEC: '30',
  };
  start(['serve', '--port', String(port)]);
  await up();
  const issue = async (role: string, name: string): Promise<string> => {
    const r = await runCli(['tokens', 'create', '--role', role, '--name', name], { env });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').pop()!;
  };
  SUBMIT = await issue('submit', 'ci');
  WORKER = await issue('worker', 'gpu');
  for (const n of ['w1', 'w2']) {
    start([
      'worker',
      '--coordinator-url',
      url,
      '--token',
      WORKER,
      '--name',
      n,
      '--cache-dir',
      path.join(dir, n),
    ]);
  }
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
});

const strip = (s: SampleRecord) => {
  const { timings: _t, metadata: _m, video_path: _v, ...rest } = s;
  return rest;
};

async function fleetRun(suite: string, baseline: string): Promise<{ r: CliResult; record: RunRecord }> {
  const out = path.join(dir, `fleet-${baseline}.json`);
  const r = await runCli(
    [
      'run',
      suite,
      '--coordinator-url',
      url,
      '--baseline-mode',
      baseline,
      '--no-progress',
      '--output-json',
      out,
    ],
    { env: { ...env, TEMPORALCI_TOKEN: SUBMIT } },
  );
  const payload = JSON.parse(await readFile(out, 'utf8')) as { runs: RunRecord[] };
  return { r, record: payload.runs[0] as RunRecord };
}

async function localRun(suite: string, baseline: string): Promise<{ r: CliResult; record: RunRecord }> {
  const out = path.join(dir, `local-${baseline}.json`);
  const r = await runCli([
    'run',
    suite,
    '--artifacts-dir',
    path.join(dir, 'artifacts'),
    '--baseline-mode',
    baseline,
    '--no-progress',
    '--output-json',
    out,
  ]);
  const payload = JSON.parse(await readFile(out, 'utf8')) as { runs: RunRecord[] };
  return { r, record: payload.runs[0] as RunRecord };
}

describe('a fleet run (serve + 2 workers + run --coordinator-url)', () => {
  it('gives the verdict, gates, SPRT trace and samples of a local run against the same baseline', async () => {
    const suite = path.join(dir, 'suite.yaml');
    await writeFile(suite, sprtSuite({}));
    const baseFleet = await fleetRun(suite, 'none');
    const baseLocal = await localRun(suite, 'none');
    expect(baseFleet.r.code, baseFleet.r.stderr + logs.join('')).toBe(baseLocal.r.code);
    expect(baseFleet.record.samples.map(strip)).toEqual(baseLocal.record.samples.map(strip));

    const fleet = await fleetRun(suite, 'latest_pass');
    const local = await localRun(suite, 'latest_pass');
    expect(fleet.r.code, fleet.r.stderr).toBe(local.r.code);
    expect(fleet.record.status).toBe(local.record.status);
    expect(fleet.record.baseline.run_id).toBe(baseFleet.record.run_id);
    expect(fleet.record.gates).toEqual(local.record.gates);
    expect(fleet.record.sequential).toEqual(local.record.sequential);
    expect(fleet.record.samples.map(strip)).toEqual(local.record.samples.map(strip));
    expect(fleet.record.counts).toEqual(local.record.counts);
    expect(logs.join('')).not.toContain(SUBMIT);
    expect(logs.join('')).not.toContain(WORKER);
  }, 300_000);
});
