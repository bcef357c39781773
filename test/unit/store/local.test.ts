import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TemporalCIError } from '../../../src/errors.js';
import type { RunRecord } from '../../../src/schema/run.js';
import { LocalStore, loadIndex } from '../../../src/store/local.js';
import { locateModelRoot, locateRunDir, locateSuiteRoot } from '../../../src/store/locate.js';
import type { RunKey } from '../../../src/store/types.js';
import { REPO_ROOT } from '../../support/cli.js';
import { MODEL, record, runId, sample } from './fixtures.js';

/**
 * What only the local store has: a folder layout shared with every earlier version, several processes on
 * one folder, kills between two writes, and files edited or deleted by hand.
 */

let artifacts: string;
let modelDir: string;
const warnings: string[] = [];
const warn = (m: string) => warnings.push(m);
const recovered: [string, RunKey][] = [];
const onRecovered = (rec: RunRecord, run: RunKey) => {
  recovered.push([rec.run_id, run]);
};
const open = (opts: { repairOnRead?: boolean } = {}) =>
  new LocalStore(artifacts, { warn, onRecovered, ...opts });
const run = (n: number): RunKey => ({ ...MODEL, runId: runId(n) });

beforeEach(async () => {
  artifacts = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-local-'));
  modelDir = path.join(artifacts, 'p', 's', 'm');
  warnings.length = 0;
  recovered.length = 0;
});
afterEach(async () => {
  await fs.rm(artifacts, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<TemporalCIError> {
  try {
    await p;
  } catch (e) {
    return e as TemporalCIError;
  }
  throw new Error('expected a rejection');
}

/** A run.json written without its index entry: a writer killed between the two writes. */
async function orphan(n: number, name = runId(n)): Promise<RunRecord> {
  const rec = record(name, 'PASS', [0.5]);
  await fs.mkdir(path.join(modelDir, name), { recursive: true });
  await fs.writeFile(path.join(modelDir, name, 'run.json'), JSON.stringify(rec));
  return rec;
}

const indexIds = async (): Promise<string[]> =>
  (
    JSON.parse(await fs.readFile(path.join(modelDir, 'index.json'), 'utf8')) as { runs: { run_id: string }[] }
  ).runs.map((r) => r.run_id);

function child(args: string[]): { proc: ChildProcess; done: Promise<{ code: number | null; err: string }> } {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'test/support/store-child.ts'), ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<{ code: number | null; err: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, err })),
  );
  return { proc, done };
}

describe('the folder layout', () => {
  it('writes the layout every earlier version wrote, and leaves no lock behind', async () => {
    const store = open();
    await store.commitRun(record(runId(1), 'PASS', [0.9]));
    await store.setTag(MODEL, 'golden', runId(1));
    expect((await fs.readdir(modelDir)).sort()).toEqual([runId(1), 'index.json', 'tags.json']);
    expect(await fs.readdir(path.join(modelDir, runId(1)))).toEqual(['run.json']);
    expect(JSON.parse(await fs.readFile(path.join(modelDir, 'index.json'), 'utf8'))).toEqual({
      schema_version: 1,
      runs: [
        {
          run_id: runId(1),
          timestamp_utc: '2026-01-01T00:00:00.000Z',
          status: 'PASS',
          samples_planned: 1,
          samples_measured: 1,
          gate_failed: false,
          regression_failed: false,
        },
      ],
    });
    expect(JSON.parse(await fs.readFile(path.join(modelDir, 'tags.json'), 'utf8'))).toEqual({
      golden: runId(1),
    });
    expect(store.runDir(run(1))).toBe(path.join(modelDir, runId(1)));
    expect(store.localPath({ run: run(1), name: 'videos/s0.mp4' })).toBe(
      path.join(modelDir, runId(1), 'videos', 's0.mp4'),
    );
  });

  it('finds the artifacts folder and the key of a --model-root, --suite-root or run folder', () => {
    expect(locateModelRoot(modelDir)).toEqual({ artifactsDir: artifacts, model: MODEL });
    expect(locateSuiteRoot(path.join(artifacts, 'p', 's'))).toEqual({
      artifactsDir: artifacts,
      project: 'p',
      suite: 's',
    });
    expect(locateRunDir(path.join(modelDir, runId(3)))).toEqual({ artifactsDir: artifacts, run: run(3) });
    expect(() => locateModelRoot('/m')).toThrow(/not a model folder/);
    expect(() => locateModelRoot(path.join(artifacts, '.hidden', 's', 'm'))).toThrow(/not a model folder/);
  });
});

describe('concurrent writers', () => {
  it('loses no index entry when eight processes commit at once', async () => {
    const procs = Array.from({ length: 8 }, (_, i) => child(['commit', artifacts, String(i * 25), '25']));
    const results = await Promise.all(procs.map((p) => p.done));
    for (const r of results) expect(r.code, r.err).toBe(0);
    const ids = await indexIds();
    expect(ids).toHaveLength(200);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 200 }, (_, n) => runId(n))));
    // Nothing left behind: no lock, no temp file.
    expect((await fs.readdir(modelDir)).filter((n) => !n.startsWith('2026'))).toEqual(['index.json']);
  }, 60_000);
});

describe('the repair pass', () => {
  it('adds a run whose writer died between run.json and index.json, once, and reports it', async () => {
    const store = open();
    await store.commitRun(record(runId(1), 'PASS', [0.9]));
    const lost = await orphan(2);
    await fs.mkdir(path.join(modelDir, runId(3))); // a run still being written: no run.json yet
    expect((await store.index(MODEL)).map((e) => e.run_id)).toEqual([runId(1), runId(2)]);
    expect(recovered).toEqual([[lost.run_id, run(2)]]);
    expect(warnings.join('\n')).toMatch(new RegExp(`run ${runId(2)} \\(PASS\\) had no index entry`));
    expect(await indexIds()).toEqual([runId(1), runId(2)]);
    await store.index(MODEL);
    expect(recovered).toHaveLength(1);
  });

  it('is left to a store that can finish it: the engine wrappers and repairOnRead false do not repair', async () => {
    await open().commitRun(record(runId(1), 'PASS', [0.9]));
    await orphan(2);
    expect((await open({ repairOnRead: false }).index(MODEL)).map((e) => e.run_id)).toEqual([runId(1)]);
    expect((await loadIndex(modelDir, warn)).map((e) => e.run_id)).toEqual([runId(1)]);
    expect(recovered).toEqual([]);
    expect(await open().index(MODEL)).toHaveLength(2);
  });

  it('rebuilds a missing index (reporting every run) and an unreadable one (with a warning)', async () => {
    await orphan(1);
    await orphan(2);
    expect((await open().index(MODEL)).map((e) => e.run_id)).toEqual([runId(1), runId(2)]);
    expect(recovered.map(([id]) => id)).toEqual([runId(1), runId(2)]);
    await fs.writeFile(path.join(modelDir, 'index.json'), '{"schema_version": 1, "runs": [{"run_id": 3}]}');
    expect(await open().index(MODEL)).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/index\.json is unreadable \(.*runs\[0\]\.run_id.*\); rebuilding it/);
  });

  it('adopts hand-named folders only on an explicit repairIndex, which also drops deleted runs', async () => {
    const store = open();
    for (const n of [1, 2, 3]) await store.commitRun(record(runId(n), 'PASS', [0.5]));
    await orphan(0, 'copied-by-hand');
    await orphan(4);
    await fs.rm(path.join(modelDir, runId(2)), { recursive: true });
    await fs.writeFile(path.join(modelDir, runId(3), 'run.json'), '{ torn');
    // The read pass adopts the engine-named run only, and reads the index as it is otherwise.
    expect((await store.index(MODEL)).map((e) => e.run_id)).toEqual([runId(1), runId(2), runId(3), runId(4)]);
    recovered.length = 0;
    warnings.length = 0;
    const r = await store.repairIndex(MODEL);
    expect(r.added.map((k) => k.runId)).toEqual(['copied-by-hand']);
    expect(r.dropped).toEqual([run(2)]);
    expect(recovered.map(([id]) => id)).toEqual(['copied-by-hand']);
    // An unreadable run.json keeps its entry (the run is there, its record needs fixing), with a warning.
    expect(await indexIds()).toEqual([runId(1), runId(3), runId(4), 'copied-by-hand']);
    expect(warnings.join('\n')).toMatch(new RegExp(`skipping run ${runId(3)}: .*is not valid JSON`));
  });

  it('skips a run folder whose run.json names another run', async () => {
    const rec = record(runId(9), 'PASS', [1]);
    await fs.mkdir(path.join(modelDir, runId(1)), { recursive: true });
    await fs.writeFile(path.join(modelDir, runId(1), 'run.json'), JSON.stringify(rec));
    expect(await open().index(MODEL)).toEqual([]);
    expect(warnings.join('\n')).toMatch(
      new RegExp(`skipping run ${runId(1)}: its run.json is of run ${runId(9)}`),
    );
  });

  it('warns, and keeps the run indexed, when finishing a recovery fails', async () => {
    await orphan(1);
    const store = new LocalStore(artifacts, {
      warn,
      onRecovered: () => {
        throw new Error('report.html not written: disk full');
      },
    });
    expect(await store.index(MODEL)).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(
      new RegExp(`run ${runId(1)} was added to the index, but report.html not written: disk full`),
    );
  });

  it('lists a model whose only run never reached the index', async () => {
    await orphan(1);
    expect(await open().listModels('p', 's')).toEqual([MODEL]);
  });
});

describe('readers', () => {
  const write = async (rel: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(modelDir, rel)), { recursive: true });
    await fs.writeFile(path.join(modelDir, rel), text);
  };

  it('refuses a bad run.json with STORE_CORRUPT naming the file and the field', async () => {
    const rec = record(runId(1), 'PASS', [1]) as unknown as Record<string, unknown>;
    await write(`${runId(1)}/run.json`, JSON.stringify({ ...rec, status: 'MAYBE' }));
    const e = await codeOf(open().readRun(run(1)));
    expect(e.code).toBe('STORE_CORRUPT');
    expect(e.message).toContain(path.join(modelDir, runId(1), 'run.json'));
    expect(e.message).toMatch(/is not a TemporalCI run record: status: /);
    await write(`${runId(1)}/run.json`, JSON.stringify({ ...rec, counts: { planned: 1 } }));
    expect((await codeOf(open().readRun(run(1)))).message).toMatch(/counts\.generated/);
    await write(`${runId(1)}/run.json`, JSON.stringify({ ...rec, schema_version: 2 }));
    expect((await codeOf(open().readRun(run(1)))).message).toMatch(/schema_version 2; this version reads 1/);
    await write(`${runId(1)}/run.json`, '{"run_id": ');
    expect((await codeOf(open().readRun(run(1)))).message).toMatch(/is not valid JSON/);
  });

  it('reads run.json files of earlier versions, without the optional parts added since', async () => {
    const { counts, ...rest } = record(runId(1), 'PASS', [1]);
    const first = {
      ...rest,
      exit_code: 0,
      counts: { ...counts },
      samples: [{ ...sample('s0', 1), metrics: {} }],
    };
    delete (first.samples[0] as Partial<(typeof first.samples)[0]>).prompt_class;
    await write(`${runId(1)}/run.json`, JSON.stringify(first));
    expect((await open().readRun(run(1))).samples[0]?.sample_id).toBe('s0');
  });

  it('refuses a bad tags.json and state.json', async () => {
    await write('tags.json', '{"golden": 3}');
    const e = await codeOf(open().tags(MODEL));
    expect(e.code).toBe('STORE_CORRUPT');
    expect(e.message).toMatch(/tags\.json is not a TemporalCI tag file .*golden/);
    await write(`${runId(1)}/state.json`, '{"schema_version": 1, "run_id": "x"}');
    expect((await codeOf(open().readState(run(1)))).message).toMatch(
      /state\.json is not a TemporalCI run state/,
    );
  });

  it('skips a torn last line of samples.jsonl with a warning', async () => {
    const store = open();
    await store.appendSample(run(1), sample('s0', 0.5));
    await store.appendSample(run(1), sample('s1', 0.6));
    await fs.appendFile(path.join(modelDir, runId(1), 'samples.jsonl'), '{"sample_id": "s2", "test_');
    expect((await store.readSamples(run(1))).map((s) => s.sample_id)).toEqual(['s0', 's1']);
    expect(warnings.join('\n')).toMatch(/skipped 1 incomplete line\(s\)/);
  });
});

describe('run locks', () => {
  const lockFile = () => path.join(modelDir, runId(1), 'run.lock');
  const writeLock = async (holder: object, ageS = 0) => {
    await fs.mkdir(path.dirname(lockFile()), { recursive: true });
    await fs.writeFile(lockFile(), JSON.stringify(holder));
    const t = new Date(Date.now() - ageS * 1000);
    await fs.utimes(lockFile(), t, t);
  };

  it('names a live holder in another process, and takes over at once when it is killed', async () => {
    const holder = child(['lock', artifacts, runId(1)]);
    await new Promise<void>((resolve, reject) => {
      holder.proc.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
      holder.done.then((r) => reject(new Error(`lock holder exited: ${r.err}`)));
    });
    const e = await codeOf(open().lockRun(run(1)));
    expect(e.code).toBe('RUN_LOCKED');
    expect(e.message).toMatch(
      new RegExp(`run ${runId(1)} is locked by pid ${holder.proc.pid} on ${os.hostname()} since \\d{4}-`),
    );
    holder.proc.kill('SIGKILL');
    await holder.done;
    const lock = await open().lockRun(run(1));
    expect(warnings.join('\n')).toMatch(
      new RegExp(`recovered a stale lock .* left by pid ${holder.proc.pid}`),
    );
    await lock.release();
    await expect(fs.access(lockFile())).rejects.toThrow();
  }, 30_000);

  it('respects a fresh lock of another host, and recovers one whose heartbeat stopped', async () => {
    const other = { pid: 1, host: 'elsewhere', since: '2026-01-01T00:00:00.000Z', token: 'abc' };
    await writeLock(other);
    expect((await codeOf(open().lockRun(run(1)))).message).toContain(
      'locked by pid 1 on elsewhere since 2026-01-01',
    );
    await writeLock(other, 3600);
    const lock = await open().lockRun(run(1));
    expect(lock.holder).toContain(`pid ${process.pid}`);
    await lock.release();
  });
});

const shm = '/dev/shm';
const otherDevice = (() => {
  try {
    return statSync(shm).dev !== statSync(os.tmpdir()).dev;
  } catch {
    return false;
  }
})();

describe('artifacts across devices', () => {
  it.runIf(otherDevice)('copies a file from another device in, and removes the original', async () => {
    const scratch = await fs.mkdtemp(path.join(shm, 'tci-put-'));
    try {
      const src = path.join(scratch, 'v.mp4');
      await fs.writeFile(src, 'video bytes');
      const key = { run: run(1), name: 'videos/v.mp4' };
      await open().put(key, src);
      expect(await fs.readFile(open().localPath(key), 'utf8')).toBe('video bytes');
      await expect(fs.access(src)).rejects.toThrow();
      expect(await fs.readdir(path.join(modelDir, runId(1), 'videos'))).toEqual(['v.mp4']);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });
});
