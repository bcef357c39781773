import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TemporalCIError } from '../../../src/errors.js';
import { loadHistory } from '../../../src/report/history.js';
import { loadSuiteModels } from '../../../src/report/suite-index.js';
import type { RunState } from '../../../src/schema/files.js';
import { parseBaselineMode, selectBaseline } from '../../../src/store/baseline.js';
import { LocalStore } from '../../../src/store/local.js';
import { MemoryRunStore } from '../../../src/store/memory.js';
import { type Database, openDatabase } from '../../../src/store/postgres/connection.js';
import { applyMigrations } from '../../../src/store/postgres/migrations.js';
import { PairedStore } from '../../../src/store/postgres/paired.js';
import { PostgresRunStore } from '../../../src/store/postgres/store.js';
import { pruneRuns } from '../../../src/store/prune.js';
import type { ArtifactStore, ModelKey, RunKey, RunStore } from '../../../src/store/types.js';
import { requirePostgres } from '../../support/services.js';
import { MODEL, record, runId, sample } from './fixtures.js';

/**
 * One contract, three stores: everything the engine and the commands rely on behaves the same on the local
 * artifacts folder, in memory and in Postgres, so an in-process test on MemoryRunStore tells the truth about
 * LocalStore, and a fleet's history behaves as a laptop's.
 */

type Store = RunStore & ArtifactStore;
let tmp: string;
const warnings: string[] = [];
const warn = (m: string) => warnings.push(m);

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-contract-'));
  warnings.length = 0;
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

// PostgresRunStore keeps records only; a fleet pairs it with S3 for the files. Here its artifact half is a
// LocalStore folder, so the artifact tests check the pairing (delete removes files, runBytes counts both).
const postgres = requirePostgres();
let db: Database | undefined;
if (postgres.available) {
  beforeAll(async () => {
    db = await openDatabase(postgres.url(), { warn });
    await applyMigrations(db);
  });
  afterAll(() => db?.close());
  beforeEach(() => db?.query('truncate runs, run_tags, run_states, run_samples, run_locks'));
}
function pairedPostgres(): Store {
  const files = new LocalStore(path.join(tmp, 'artifacts'), { warn });
  const remove = (r: RunKey) => fs.rm(files.runDir(r), { recursive: true, force: true });
  return new PairedStore(new PostgresRunStore(db!, { warn }), files, remove);
}

const stores: [string, () => Store][] = [
  ['LocalStore', () => new LocalStore(path.join(tmp, 'artifacts'), { warn })],
  ['MemoryRunStore', () => new MemoryRunStore({ warn })],
  ...(postgres.available ? [['PostgresRunStore', pairedPostgres] as [string, () => Store]] : []),
];

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TemporalCIError).code ?? 'not a TemporalCIError';
  }
  return 'resolved';
}

const run = (n: number, model: ModelKey = MODEL): RunKey => ({ ...model, runId: runId(n) });

describe.each(stores)('%s', (_name, make) => {
  let store: Store;
  beforeEach(() => {
    store = make();
  });

  describe('runs and the index', () => {
    it('commits records and lists them oldest first, whatever the commit order', async () => {
      await store.commitRun(record(runId(2), 'FAIL', [0.5]));
      await store.commitRun(record(runId(1), 'PASS', [0.9, 0.8]));
      await store.commitRun(record(runId(3), 'ERROR', []));
      const index = await store.index(MODEL);
      expect(index.map((e) => [e.run_id, e.status])).toEqual([
        [runId(1), 'PASS'],
        [runId(2), 'FAIL'],
        [runId(3), 'ERROR'],
      ]);
      expect(index[0]).toEqual({
        run_id: runId(1),
        timestamp_utc: '2026-01-01T00:00:00.000Z',
        status: 'PASS',
        samples_planned: 2,
        samples_measured: 2,
        gate_failed: false,
        regression_failed: false,
      });
      expect(await store.readRun(run(1))).toEqual(record(runId(1), 'PASS', [0.9, 0.8]));
    });

    it('replaces a run committed twice (a resumed session) instead of listing it twice', async () => {
      await store.commitRun(record(runId(1), 'INTERRUPTED', [0.9]));
      await store.commitRun(record(runId(1), 'PASS', [0.9, 0.7]));
      const index = await store.index(MODEL);
      expect(index).toHaveLength(1);
      expect(index[0]).toMatchObject({ status: 'PASS', samples_measured: 2 });
    });

    it('keeps what it does not know of a record, and hands out copies', async () => {
      const rec = { ...record(runId(1), 'PASS', [0.9]), future_field: { x: 1 } };
      await store.commitRun(rec);
      const read = await store.readRun(run(1));
      expect(read).toMatchObject({ future_field: { x: 1 } });
      read.note = 'changed after reading';
      expect((await store.readRun(run(1))).note).toBeUndefined();
    });

    it('refuses unknown runs and unsafe names', async () => {
      expect(await codeOf(store.readRun(run(9)))).toBe('RUN_NOT_FOUND');
      expect(await codeOf(store.readRun({ ...MODEL, runId: '../escape' }))).toBe('PATH_UNSAFE');
      expect(await codeOf(store.index({ ...MODEL, model: 'a/b' }))).toBe('PATH_UNSAFE');
      expect(await store.index({ ...MODEL, model: 'never-run' })).toEqual([]);
    });

    it('lists the models of a suite that have a history, by name', async () => {
      await store.commitRun(record(runId(1), 'PASS', [1], { ...MODEL, model: 'zeta' }));
      await store.commitRun(record(runId(1), 'PASS', [1], { ...MODEL, model: 'alpha' }));
      await store.commitRun(record(runId(1), 'PASS', [1], { ...MODEL, suite: 'other', model: 'beta' }));
      await store.writeState(run(2, { ...MODEL, model: 'only-started' }), state(runId(2)));
      expect((await store.listModels('p', 's')).map((m) => m.model)).toEqual(['alpha', 'zeta']);
      expect(await store.listModels('p', 'nothing')).toEqual([]);
      const models = await loadSuiteModels(store, 'p', 's');
      expect(models.map((m) => [m.name, m.entries.length])).toEqual([
        ['alpha', 1],
        ['zeta', 1],
      ]);
    });

    it('deletes a run with its index entry, its artifacts and the tags naming it', async () => {
      await store.commitRun(record(runId(1), 'PASS', [1]));
      await store.commitRun(record(runId(2), 'PASS', [1]));
      await store.putText({ run: run(1), name: 'report.html' }, '<p>1</p>');
      await store.setTag(MODEL, 'golden', runId(1));
      await store.setTag(MODEL, 'keep', runId(2));
      await store.deleteRun(run(1));
      expect((await store.index(MODEL)).map((e) => e.run_id)).toEqual([runId(2)]);
      expect(await codeOf(store.readRun(run(1)))).toBe('RUN_NOT_FOUND');
      expect(await store.exists({ run: run(1), name: 'report.html' })).toBe(false);
      expect(await store.tags(MODEL)).toEqual({ keep: runId(2) });
      expect(await codeOf(store.deleteRun(run(1)))).toBe('RUN_NOT_FOUND');
    });

    it('has nothing to repair when every run was committed through it', async () => {
      await store.commitRun(record(runId(1), 'PASS', [1]));
      expect(await store.repairIndex(MODEL)).toEqual({ added: [], dropped: [], released: [] });
      expect(await store.index(MODEL)).toHaveLength(1);
    });
  });

  describe('tags', () => {
    it('sets, lists and deletes tags of existing runs only', async () => {
      await store.commitRun(record(runId(1), 'PASS', [1]));
      await store.setTag(MODEL, 'golden', runId(1));
      expect(await store.tags(MODEL)).toEqual({ golden: runId(1) });
      expect(await codeOf(store.setTag(MODEL, 'x', runId(7)))).toBe('RUN_NOT_FOUND');
      expect(await codeOf(store.setTag(MODEL, 'x', '../etc'))).toBe('RUN_NOT_FOUND');
      expect(await codeOf(store.setTag(MODEL, 'bad name', runId(1)))).toBe('USAGE');
      await store.deleteTag(MODEL, 'golden');
      expect(await store.tags(MODEL)).toEqual({});
      expect(await codeOf(store.deleteTag(MODEL, 'golden'))).toBe('RUN_NOT_FOUND');
    });

    it('refuses to tag a run that only started (no record yet)', async () => {
      await store.writeState(run(1), state(runId(1)));
      expect(await codeOf(store.setTag(MODEL, 'x', runId(1)))).toBe('RUN_NOT_FOUND');
    });
  });

  describe('resumable sessions', () => {
    it('keeps the state and the finished samples, the last copy of a sample winning', async () => {
      expect(await codeOf(store.readState(run(1)))).toBe('RUN_NOT_FOUND');
      await store.writeState(run(1), state(runId(1)));
      expect(await store.readState(run(1))).toEqual(state(runId(1)));
      expect(await store.readSamples(run(1))).toEqual([]);
      // Workers append concurrently: every line arrives whole.
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendSample(run(1), sample(`s${i}`, i))));
      await store.appendSample(run(1), sample('s3', 0.25));
      const samples = await store.readSamples(run(1));
      expect(samples).toHaveLength(20);
      expect(samples.find((s) => s.sample_id === 's3')?.metrics.m?.score).toBe(0.25);
      expect(warnings).toEqual([]);
    });

    it('locks a run for one session at a time, naming the holder', async () => {
      const lock = await store.lockRun(run(1));
      expect(lock.holder).toMatch(new RegExp(`^pid ${process.pid} on ${os.hostname()} since \\d{4}-`));
      const second = store.lockRun(run(1));
      await expect(second).rejects.toMatchObject({ code: 'RUN_LOCKED' });
      await expect(store.lockRun(run(1))).rejects.toThrow(`locked by pid ${process.pid} on ${os.hostname()}`);
      const other = await store.lockRun(run(2)); // another run is not affected
      await lock.release();
      await lock.release(); // idempotent
      const again = await store.lockRun(run(1));
      await again.release();
      await other.release();
    });
  });

  describe('artifacts', () => {
    const a = (name: string, n = 1) => ({ run: run(n), name });

    it('moves a local file in, copies it out, and removes it', async () => {
      const src = path.join(tmp, 'scratch', 'v.mp4');
      await fs.mkdir(path.dirname(src), { recursive: true });
      await fs.writeFile(src, Buffer.from([0, 1, 2, 3]));
      await store.put(a('videos/s0.mp4'), src);
      await expect(fs.access(src)).rejects.toThrow(); // moved, not copied
      expect(await store.exists(a('videos/s0.mp4'))).toBe(true);
      expect(await store.exists(a('videos'))).toBe(true); // a folder of artifacts
      const back = path.join(tmp, 'out', 'copy.mp4');
      await store.fetchTo(a('videos/s0.mp4'), back);
      expect([...(await fs.readFile(back))]).toEqual([0, 1, 2, 3]);
      expect(await store.runBytes(run(1))).toBeGreaterThanOrEqual(4);
      await store.remove(a('videos/s0.mp4'));
      expect(await store.exists(a('videos/s0.mp4'))).toBe(false);
      expect(await codeOf(store.fetchTo(a('videos/s0.mp4'), back))).toBe('RUN_NOT_FOUND');
      await store.remove(a('never/was.txt')); // removing nothing is not an error
    });

    it('removes by prefix: a folder, or names starting with a prefix, nothing else', async () => {
      for (const n of ['work/s1/x.log', 'work/s10/y.log', 'work/s2/z.log', 'videos/s1.mp4', 'report.html'])
        await store.putText(a(n), n);
      await store.removePrefix(run(1), 'work/s1');
      expect(await store.exists(a('work/s1/x.log'))).toBe(false);
      expect(await store.exists(a('work/s10/y.log'))).toBe(false);
      expect(await store.exists(a('work/s2/z.log'))).toBe(true);
      await store.removePrefix(run(1), 'work/');
      expect(await store.exists(a('work/s2/z.log'))).toBe(false);
      expect(await store.exists(a('videos/s1.mp4'))).toBe(true);
      expect(await store.exists(a('report.html'))).toBe(true);
      await store.removePrefix(run(1), 'nothing/here/');
    });

    it('keeps names inside their run and away from its records', async () => {
      for (const name of ['', '.', '../other/x', '/etc/passwd', 'a/../../x', 'run.json', 'samples.jsonl'])
        expect(await codeOf(store.putText(a(name), 'x')), name).toBe('PATH_UNSAFE');
      expect(await codeOf(store.removePrefix(run(1), ''))).toBe('PATH_UNSAFE');
    });

    it('links one artifact from another by a relative URL', async () => {
      const from = a('report.html');
      expect(await store.url(a('videos/a b#1.mp4'), from)).toBe('videos/a%20b%231.mp4');
      expect(await store.url(a('videos/x.mp4', 2), from)).toBe(`../${runId(2)}/videos/x.mp4`);
      expect(await store.url(a('thumbs/t.png'), a('pages/deep/page.html'))).toBe('../../thumbs/t.png');
      expect(await store.url(a('report.html'))).toMatch(
        /^(file|memory):\/\/\/(.*\/)?p\/s\/m\/[^/]+\/report\.html$/,
      );
    });
  });

  describe('the store users', () => {
    it('selects baselines from the index: latest, latest_pass, rolling, tag', async () => {
      await store.commitRun(record(runId(1), 'PASS', [0.2, 0.4]));
      await store.commitRun(record(runId(2), 'PASS', [0.4, 0.6]));
      await store.commitRun(record(runId(3), 'FAIL', [0.1, 0.1]));
      await store.commitRun(record(runId(4), 'ERROR', []));
      await store.commitRun(record(runId(5), 'INTERRUPTED', [0.3]));
      const pick = (mode: string, exclude?: string) =>
        selectBaseline(store, MODEL, parseBaselineMode(mode), exclude, warn);
      expect((await pick('latest'))?.runId).toBe(runId(3));
      expect((await pick('latest', runId(3)))?.runId).toBe(runId(2));
      expect((await pick('latest_pass'))?.runId).toBe(runId(2));
      const rolling = await pick('rolling:2');
      expect(rolling?.runId).toBe(`rolling:2(${runId(1)}..${runId(2)})`);
      expect(rolling?.run.metrics.m?.values.score).toBeCloseTo(0.4, 12);
      expect(await pick('none')).toBeNull();
      await store.setTag(MODEL, 'golden', runId(1));
      expect((await pick('tag:golden'))?.runId).toBe(runId(1));
      await expect(pick('tag:nope')).rejects.toThrow(/tag "nope" does not exist/);
    });

    it('refuses a tag naming an ERROR or INTERRUPTED run as baseline, saying which and how to fix it', async () => {
      await store.commitRun(record(runId(1), 'PASS', [0.9]));
      await store.commitRun(record(runId(2), 'ERROR', []));
      await store.commitRun(record(runId(3), 'INTERRUPTED', [0.9]));
      await store.setTag(MODEL, 'broken', runId(2));
      await store.setTag(MODEL, 'partial', runId(3));
      for (const [tag, id, status] of [
        ['broken', runId(2), 'ERROR'],
        ['partial', runId(3), 'INTERRUPTED'],
      ] as const) {
        const e = (await selectBaseline(store, MODEL, parseBaselineMode(`tag:${tag}`), undefined, warn).catch(
          (x: unknown) => x,
        )) as TemporalCIError;
        expect(e.code).toBe('BASELINE_INVALID');
        expect(e.message).toContain(`baseline tag "${tag}" names run ${id}, which ended ${status}`);
        expect(e.hint).toMatch(new RegExp(`retag a PASS or FAIL run: temporalci tag set ${tag} <run-id>`));
      }
    });

    it('prunes old runs, keeping tagged runs, the latest_pass baseline and baselines of kept runs', async () => {
      await store.commitRun(record(runId(1), 'PASS', [1]));
      await store.commitRun(record(runId(2), 'PASS', [1])); // baseline of run 5
      await store.commitRun(record(runId(3), 'PASS', [1])); // tagged
      await store.commitRun(record(runId(4), 'PASS', [1])); // latest PASS
      await store.commitRun(
        record(runId(5), 'FAIL', [1], MODEL, { baseline: { mode: 'latest', run_id: runId(2) } }),
      );
      await store.commitRun(
        record(runId(6), 'FAIL', [1], MODEL, { baseline: { mode: 'rolling:2', run_id: 'rolling:2(a..b)' } }),
      );
      await store.setTag(MODEL, 'golden', runId(3));
      const dry = await pruneRuns(store, MODEL, 2, { dryRun: true, warn });
      expect(dry.deleted).toEqual([runId(1)]);
      expect(dry.bytes).toBeGreaterThan(0);
      expect(await store.index(MODEL)).toHaveLength(6);
      const r = await pruneRuns(store, MODEL, 2, { dryRun: false, warn });
      expect(r.deleted).toEqual([runId(1)]);
      expect(r.protectedRuns).toEqual({
        [runId(2)]: `baseline of kept run ${runId(5)}`,
        [runId(3)]: 'tagged golden',
        [runId(4)]: 'current latest_pass baseline',
      });
      expect((await store.index(MODEL)).map((e) => e.run_id)).toEqual([2, 3, 4, 5, 6].map(runId));
      expect(await codeOf(store.readRun(run(1)))).toBe('RUN_NOT_FOUND');
    });

    it('loads the history with records, filtered', async () => {
      await store.commitRun(record(runId(1), 'PASS', [1]));
      await store.commitRun(record(runId(2), 'FAIL', [1]));
      const all = await loadHistory(store, MODEL, warn);
      expect(all.map((r) => r.record?.status)).toEqual(['PASS', 'FAIL']);
      const fails = await loadHistory(store, MODEL, warn, { status: 'FAIL' });
      expect(fails.map((r) => r.entry.run_id)).toEqual([runId(2)]);
    });
  });
});

function state(id: string): RunState {
  return {
    schema_version: 1,
    run_id: id,
    started_utc: '2026-01-01T00:00:00.000Z',
    project: MODEL.project,
    suite_name: MODEL.suite,
    model_name: MODEL.model,
    suite: { path: '/x.yaml', hash: 'h' },
    options: {
      baseline_mode: 'latest_pass',
      sample_limit: null,
      workers: 2,
      retries: 0,
      timeout_s: null,
      max_failed_ratio: 0,
      ignore_regression: false,
      deadline_s: null,
      tag: null,
    },
    sessions: 1,
  };
}
