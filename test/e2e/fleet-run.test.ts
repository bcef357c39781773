import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, SampleRecord } from '../../src/schema/run.js';
import { type CliResult, runCli, tempDir } from '../support/cli.js';
import { TestFleet } from '../support/fleet.js';
import { useLocalS3 } from '../support/s3.js';
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
let dir: string;
let fleetRunIds: string[] = [];
const fleet = new TestFleet();
const logs = fleet.logs;

beforeAll(async () => {
  if (!pg.available || !redis.available) return;
  dir = await tempDir('tci-fleet-e2e-');
  await fleet.serve({ pgUrl: pg.url(), redisUrl: redis.url(), s3 });
  SUBMIT = await fleet.token('submit', 'ci');
  WORKER = await fleet.token('worker', 'gpu');
  for (const n of ['w1', 'w2']) fleet.worker(WORKER, n, path.join(dir, n));
}, 120_000);

afterAll(() => fleet.stop());

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
      fleet.url,
      '--baseline-mode',
      baseline,
      '--no-progress',
      '--output-json',
      out,
    ],
    { env: { ...fleet.env, TEMPORALCI_TOKEN: SUBMIT } },
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

describe.skipIf(!pg.available || !redis.available)(
  'a fleet run (serve + 2 workers + run --coordinator-url)',
  () => {
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
      fleetRunIds = [baseFleet.record.run_id, fleet.record.run_id];
    }, 300_000);

    it('pull copies the history into a local folder, where history, status, report, trend and compare work', async () => {
      expect(fleetRunIds, 'the fleet run above must have passed').toHaveLength(2);
      const [base, cand] = fleetRunIds as [string, string];
      const art = path.join(dir, 'pulled');
      const pull = (extra: string[] = []) =>
        runCli(['pull', '--project', 'p', '--suite', 'sprt', '--artifacts-dir', art, ...extra], {
          env: fleet.env,
        });
      const first = await pull();
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/p\/sprt\/m: pulled 2 run\(s\), \d+ file\(s\); 0 already here/);
      const again = await pull(['--json']);
      expect(again.code, again.stderr).toBe(0);
      const j = JSON.parse(again.stdout) as { models: { pulled: string[]; present: number }[] };
      expect(j.models[0]).toMatchObject({ pulled: [], present: 2 });

      const root = path.join(art, 'p', 'sprt', 'm');
      const history = await runCli(['history', '--model-root', root, '--json']);
      expect(history.code, history.stderr).toBe(0);
      expect(history.stdout).toContain(base);
      expect(history.stdout).toContain(cand);
      const local = JSON.parse(await readFile(path.join(root, cand, 'run.json'), 'utf8')) as RunRecord;
      const kept = local.samples.filter((x) => x.retained && x.video_path !== null);
      for (const x of kept) await readFile(path.join(root, cand, x.video_path as string));
      expect((await runCli(['status', '--model-root', root])).code).toBe(0);
      const report = await runCli(['report', '--run-dir', path.join(root, cand)]);
      expect(report.code, report.stderr).toBe(0);
      expect(await readFile(path.join(root, cand, 'report.html'), 'utf8')).not.toMatch(/X-Amz-Signature/);
      expect((await runCli(['trend', '--model-root', root])).code).toBe(0);
      const compare = await runCli(['compare', '--model-root', root, base, cand]);
      expect(compare.code, compare.stderr).toBe(0);
      const missing = await runCli(['pull', '--project', 'p', '--suite', 'nope', '--artifacts-dir', art], {
        env: fleet.env,
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no runs of p\/nope/);
      expect(`${first.stdout}${first.stderr}${again.stdout}`).not.toContain(pg.url());
    }, 300_000);
  },
);
