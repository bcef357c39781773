import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec, RunView } from '../../../src/fleet/api/types.js';
import { MemoryTokens } from '../../../src/fleet/auth/memory.js';
import { createCoordinatorApp } from '../../../src/fleet/coordinator/app.js';
import { Dispatcher } from '../../../src/fleet/coordinator/dispatch.js';
import { readiness } from '../../../src/fleet/coordinator/observe.js';
import { recordWorker, refuseUntakeable } from '../../../src/fleet/coordinator/workers.js';
import { JobRunner } from '../../../src/fleet/worker/execute.js';
import { makeScratchDir, removeDir } from '../../../src/platform/fs.js';
import { runSuite } from '../../../src/runs/engine.js';
import type { SampleRecord } from '../../../src/schema/run.js';
import { MemoryRunStore } from '../../../src/store/memory.js';
import { Database, parseDatabaseUrl } from '../../../src/store/postgres/connection.js';
import { applyMigrations } from '../../../src/store/postgres/migrations.js';
import { PostgresRunStore } from '../../../src/store/postgres/store.js';
import { S3ArtifactStore } from '../../../src/store/s3/store.js';
import { createBundle } from '../../../src/suite/bundle/pack.js';
import { loadSuite } from '../../../src/suite/load.js';
import { DUMMY_CREDENTIALS, useLocalS3 } from '../../support/s3.js';
import { requirePostgres, requireRedis } from '../../support/services.js';

/**
 * The coordinator in-process (`app.request()`) on a real Postgres, Redis and S3 (fauxqs): auth, the
 * claim → upload → complete path with the real sample runner as the worker, and the fencing of results.
 */

const pg = requirePostgres();
const redis = requireRedis();
const s3 = useLocalS3('tci-coordinator');

const SUITE = `version: 1
project: p
suite_name: fleet
models:
  - name: m
    adapter: mock
tests:
  - id: t
    prompts: ["a red ball bouncing", "waves on a beach"]
    seeds: [0, 1]
    video: { num_frames: 6, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["motion_smoothness"] }
gates:
  - metric: vbench_temporal.dims.motion_smoothness
    op: ">="
    value: 0.1
run:
  wave_size: 2
`;

const warnings: string[] = [];
const warn = (m: string) => warnings.push(m);
let db: Database;
let dispatcher: Dispatcher;
let artifacts: S3ArtifactStore;
let app: ReturnType<typeof createCoordinatorApp>;
let tmp: string;
let submitToken: string;
let workerToken: string;
let otherSubmitToken: string;
let bundle: { sha256: string; bytes: Buffer };
let runner: JobRunner;

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const post = (route: string, token: string, body: unknown) =>
  app.request(route, { method: 'POST', headers: auth(token), body: JSON.stringify(body) });

beforeAll(async () => {
  if (!pg.available || !redis.available) return;
  db = new Database(parseDatabaseUrl(pg.url()), warn);
  await applyMigrations(db);
  artifacts = new S3ArtifactStore(s3.config(), { credentials: DUMMY_CREDENTIALS });
  dispatcher = await Dispatcher.start({
    db,
    store: new PostgresRunStore(db, { warn }),
    artifacts,
    redisUrl: redis.url(),
    leaseSec: 60,
    warn,
  });
  const tokens = new MemoryTokens();
  submitToken = tokens.create('submit', 'ci');
  workerToken = tokens.create('worker', 'gpu-1');
  otherSubmitToken = tokens.create('submit', 'another-pipeline');
  app = createCoordinatorApp({ dispatcher, db, artifacts, tokens, warn });
  tmp = await makeScratchDir('tci-coordinator-test-');
  await writeFile(path.join(tmp, 'suite.yaml'), SUITE);
  const made = await createBundle(await loadSuite(path.join(tmp, 'suite.yaml')), path.join(tmp, 'out'));
  bundle = { sha256: made.sha256, bytes: await readFile(made.file) };
  runner = new JobRunner(path.join(tmp, 'worker-cache'), new Set());
});

afterAll(async () => {
  await runner?.close(warn);
  await dispatcher?.close();
  artifacts?.destroy();
  await db?.close();
  if (tmp) await removeDir(tmp);
});

async function putBundle(): Promise<Response> {
  return app.request(`/v1/bundles/${bundle.sha256}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${submitToken}` },
    body: bundle.bytes,
  });
}

async function submit(options: Record<string, unknown> = {}): Promise<RunView> {
  expect((await putBundle()).ok).toBe(true);
  const res = await post('/v1/runs', submitToken, { bundle: bundle.sha256, baseline_mode: 'none', options });
  expect(res.status).toBe(201);
  return (await res.json()) as RunView;
}

async function claim(): Promise<JobSpec | null> {
  const res = await post('/v1/leases/claim', workerToken, { worker: 'test-worker' });
  if (res.status === 204) return null;
  expect(res.status).toBe(200);
  return (await res.json()) as JobSpec;
}

/** Runs the job as `temporalci worker` does: the real sample runner, uploads through the presigned PUTs. */
async function work(spec: JobSpec) {
  const out = await runner.run(spec, new AbortController().signal, async (files) => {
    const res = await post(`/v1/leases/${spec.lease_token}/uploads`, workerToken, { files });
    expect(res.status).toBe(200);
    return ((await res.json()) as { urls: Record<string, string> }).urls;
  });
  if (out === null) throw new Error('the job was stopped');
  return { record: out.record, files: out.files, gpu_s: 0.5 };
}

async function finished(id: string): Promise<RunView> {
  for (let i = 0; i < 600; i++) {
    const res = await app.request(`/v1/runs/${id}`, { headers: auth(submitToken) });
    const view = (await res.json()) as RunView;
    if (view.done) return view;
    await delay(50);
  }
  throw new Error(`run ${id} did not finish`);
}

async function fleetRunCount(): Promise<number> {
  return (await db.query<{ n: number }>('select count(*)::int as n from fleet_runs')).rows[0]?.n ?? 0;
}

const withoutTimings = (s: SampleRecord) => {
  const { timings: _t, metadata: _m, ...rest } = s;
  return rest;
};

describe.skipIf(!pg.available || !redis.available)('coordinator API', () => {
  it('answers a repeated Idempotency-Key with the run it started, never a second one', async () => {
    expect((await putBundle()).ok).toBe(true);
    const body = { bundle: bundle.sha256, baseline_mode: 'none', options: {} };
    const send = (token: string, key: string, b: unknown = body) =>
      app.request('/v1/runs', {
        method: 'POST',
        headers: { ...auth(token), 'idempotency-key': key },
        body: JSON.stringify(b),
      });
    const runsBefore = await fleetRunCount();
    const first = await send(submitToken, 'key-1');
    expect(first.status).toBe(201);
    const started = (await first.json()) as RunView;
    const again = await send(submitToken, 'key-1');
    expect(again.status).toBe(200);
    expect(((await again.json()) as RunView).id).toBe(started.id);
    const other = await send(submitToken, 'key-1', { ...body, baseline_mode: 'latest_pass' });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_MISMATCH');
    expect((await send(submitToken, 'a key with spaces')).status).toBe(400);
    // Keys are per token: another pipeline's same key is its own submission.
    const theirs = await send(otherSubmitToken, 'key-1');
    expect(theirs.status).toBe(201);
    const second = (await theirs.json()) as RunView;
    expect(second.id).not.toBe(started.id);
    const runsAfter = await fleetRunCount();
    expect(runsAfter - runsBefore).toBe(2);
    // Work both runs off, so the queue is empty for the tests after this one.
    for (let spec = await claim(); spec !== null; spec = await claim()) {
      expect(
        (await post(`/v1/leases/${spec.lease_token}/complete`, workerToken, await work(spec))).status,
      ).toBe(200);
    }
    expect((await finished(started.id)).exit_code).toBe(0);
    expect((await finished(second.id)).exit_code).toBe(0);
  });

  it('answers /healthz without a token, 401 without a valid token and 403 for another role', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const none = await app.request('/v1/runs', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect((await post('/v1/runs', 'tci_not-a-token', {})).status).toBe(401);
    expect((await post('/v1/runs', workerToken, { bundle: bundle.sha256 })).status).toBe(403);
    expect((await post('/v1/leases/claim', submitToken, { worker: 'w' })).status).toBe(403);
    const body = await (await post('/v1/leases/claim', submitToken, { worker: 'w' })).text();
    expect(body).not.toContain(submitToken);
    expect(body).not.toContain(workerToken);
  });

  it('refuses a bundle whose bytes do not hash to its address', async () => {
    const wrong = `${bundle.sha256.slice(0, 63)}${bundle.sha256.endsWith('0') ? '1' : '0'}`;
    const res = await app.request(`/v1/bundles/${wrong}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${submitToken}` },
      body: bundle.bytes,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BUNDLE_INVALID');
  });

  it('runs a suite claim by claim to the record a local run of it writes', async () => {
    const view = await submit();
    expect(view.models).toHaveLength(1);
    for (let spec = await claim(); spec !== null; spec = await claim()) {
      const res = await post(`/v1/leases/${spec.lease_token}/complete`, workerToken, await work(spec));
      expect(res.status).toBe(200);
    }
    const done = await finished(view.id);
    expect(done.exit_code).toBe(0);
    const run = done.models[0]!.run;
    const record = await new PostgresRunStore(db, { warn }).readRun(run);
    expect(record.status).toBe('PASS');

    // The same suite on this machine, as `temporalci run` runs it.
    const local = new MemoryRunStore();
    const suite = await loadSuite(path.join(tmp, 'suite.yaml'));
    const ref = (await runSuite(suite, { store: local, artifacts: local, baselineMode: 'none' })).runs[0]!
      .record;
    expect(record.samples.map(withoutTimings)).toEqual(ref.samples.map(withoutTimings));
    expect(record.gates).toEqual(ref.gates);
    expect(record.counts).toEqual(ref.counts);

    // The winning attempt's files are at the run's own names, the attempt copies are gone.
    for (const s of record.samples) {
      expect(s.video_path).not.toBeNull();
      expect(await artifacts.exists({ run, name: s.video_path as string })).toBe(true);
    }
    expect(await artifacts.exists({ run, name: 'attempts' })).toBe(false);
  });

  it("refuses a zombie's complete and records nothing; a retried complete is idempotent", async () => {
    const view = await submit({ sample_limit: 1 });
    const first = await claim();
    expect(first).not.toBeNull();
    // The worker gives the job back (as a lost lease does): the next claim is a new lease of it.
    expect(
      (await post(`/v1/leases/${first!.lease_token}/fail`, workerToken, { error: 'no GPU' })).status,
    ).toBe(200);
    const second = await claim();
    expect(second?.sample.sampleId).toBe(first!.sample.sampleId);
    expect(second!.attempt).toBe(first!.attempt + 1);
    const result = await work(second!);

    const zombieBeat = await post(`/v1/leases/${first!.lease_token}/heartbeat`, workerToken, {});
    expect(zombieBeat.status).toBe(409);
    expect(await zombieBeat.json()).toEqual({ reason: 'lease_lost' });
    const zombie = await post(`/v1/leases/${first!.lease_token}/complete`, workerToken, result);
    expect(zombie.status).toBe(409);
    const rows = () =>
      db.query<{ attempt: number; lease_token: string }>(
        `select attempt, lease_token::text from fleet_results where run_key like $1`,
        [`%/${view.models[0]!.run.runId}`],
      );
    expect((await rows()).rows).toEqual([]);

    const live = await post(`/v1/leases/${second!.lease_token}/complete`, workerToken, result);
    expect(live.status).toBe(200);
    const retried = await post(`/v1/leases/${second!.lease_token}/complete`, workerToken, result);
    expect(retried.status).toBe(200);
    expect((await rows()).rows).toEqual([{ attempt: second!.attempt, lease_token: second!.lease_token }]);

    const done = await finished(view.id);
    expect(done.models[0]!.status).toBe('PASS');
    const record = await new PostgresRunStore(db, { warn }).readRun(done.models[0]!.run);
    expect(record.samples.map((s) => s.sample_id)).toEqual([first!.sample.sampleId]);
  });

  it('reports readiness per service and Prometheus metrics that follow the work done', async () => {
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { redis: 'ok', postgres: 'ok', s3: 'ok' } });

    expect((await app.request('/metrics')).status).toBe(401);
    const scrape = async () => {
      const res = await app.request('/metrics', { headers: { authorization: `Bearer ${workerToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await res.text();
      const value = (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        if (line === undefined) throw new Error(`no ${series} in\n${text}`);
        return Number(line.slice(series.length + 1));
      };
      return { text, value };
    };
    const before = await scrape();
    const view = await submit({ sample_limit: 1 });
    const spec = await claim();
    expect(spec).not.toBeNull();
    const leased = await scrape();
    expect(leased.value('temporalci_leases_active')).toBe(1);
    expect(leased.value('temporalci_claims_total')).toBe(before.value('temporalci_claims_total') + 1);
    expect(
      (await post(`/v1/leases/${spec!.lease_token}/complete`, workerToken, await work(spec!))).status,
    ).toBe(200);
    await finished(view.id);
    const after = await scrape();
    expect(after.value('temporalci_leases_active')).toBe(0);
    const count = 'temporalci_sample_duration_seconds_count';
    expect(after.value(count)).toBe(before.value(count) + 1);
    expect(after.value('temporalci_sample_duration_seconds_bucket{le="+Inf"}')).toBe(after.value(count));
    expect(after.value('temporalci_queue_jobs{state="wait"}')).toBe(0);
    for (const secret of [submitToken, workerToken, pg.url()]) expect(after.text).not.toContain(secret);
  });

  it('is not ready while Postgres or S3 cannot be reached, and says which without naming where', async () => {
    const deadDb = new Database(parseDatabaseUrl('postgres://tci:hunter2@127.0.0.1:1/none'), warn);
    const deadS3 = new S3ArtifactStore(s3.config({ endpoint: 'http://127.0.0.1:1' }), {
      credentials: DUMMY_CREDENTIALS,
    });
    try {
      const r = await readiness({ dispatcher, db: deadDb, artifacts: deadS3 }, 1500);
      expect(r.ready).toBe(false);
      expect(r.checks.redis).toBe('ok');
      expect(r.checks.postgres).not.toBe('ok');
      expect(r.checks.s3).not.toBe('ok');
      expect(JSON.stringify(r)).not.toContain('hunter2');
    } finally {
      deadS3.destroy();
      await deadDb.close();
    }
  });

  it('refuses a run whose command adapter no live worker allows, until a worker that allows it claims', async () => {
    const file = path.join(tmp, 'command-suite.yaml');
    await writeFile(
      file,
      SUITE.replace(
        'adapter: mock',
        'adapter: command\n    params: { argv: ["sh", "-c", "exit 1", "{output}"] }',
      ),
    );
    const suite = await loadSuite(file);
    const made = await createBundle(suite, path.join(tmp, 'command-out'));
    const put = await app.request(`/v1/bundles/${made.sha256}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${submitToken}` },
      body: await readFile(made.file),
    });
    expect(put.ok).toBe(true);
    const res = await post('/v1/runs', submitToken, { bundle: made.sha256, baseline_mode: 'none' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe('FLEET_NO_WORKER');
    expect(body.error.message).toContain('"command" adapter (models m)');
    expect(body.error.hint).toContain('--allow-adapters command');

    // The rule on its own, over the same table the claims fill: a worker allowing it makes the suite takeable.
    await expect(refuseUntakeable(db, suite)).rejects.toThrow(/no worker of this fleet/);
    await recordWorker(db, 'trusted-gpu', {}, ['command']);
    await expect(refuseUntakeable(db, suite)).resolves.toBeUndefined();
  });
});
