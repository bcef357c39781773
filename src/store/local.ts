import { randomBytes } from 'node:crypto';
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, TemporalCIError } from '../errors.js';
import { atomicWriteFile, atomicWriteJson, makeDirs, writingTo } from '../platform/fs.js';
import type { IndexEntry, RunState } from '../schema/files.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import { artifactName, artifactPrefix, relativeUrl } from './artifact-names.js';
import { describeHolder, type HeldLock, tryLock } from './lock.js';
import { INDEX_FILE, ModelFolder } from './model-folder.js';
import { modelRoot, safeSegment, within } from './paths.js';
import {
  appendSampleAt,
  hasRecord,
  RECORD_RESERVE_FILE,
  RUN_FILE,
  RUN_LOCK_FILE,
  readRecordAt,
  readSamplesAt,
  readStateAt,
  releaseRecordReserveAt,
  reserveRecordAt,
  STORE_FILES,
  writeStateAt,
} from './run-files.js';
import {
  type ArtifactKey,
  type ArtifactStore,
  type IndexRepair,
  type ModelKey,
  type RunKey,
  type RunLock,
  type RunStore,
  runKeyOf,
  type Warn,
} from './types.js';

/**
 * The run store on a local artifacts folder, laid out as every earlier version wrote it:
 * `<artifactsDir>/<project>/<suite>/<model>/{index.json,tags.json,<run id>/{run.json,state.json,
 * samples.jsonl,report.html,videos/,…}}`. Artifacts live in their run's folder, so one object is both the
 * RunStore and the ArtifactStore. The index and tags are in src/store/model-folder.ts, the run's own files
 * in src/store/run-files.ts.
 */

export interface LocalStoreOptions {
  warn: Warn;
  /**
   * Called for each run the repair pass (or a rebuild of a missing index) adds, with the run as found in
   * its folder: the CLI writes its report.html, which the store cannot (it does not import the report).
   */
  onRecovered?: (record: RunRecord, run: RunKey) => Promise<void> | void;
  /**
   * Whether `index()` adopts run folders the index lacks. Default true. A store that cannot finish a
   * recovery (no `onRecovered` to write the report) may leave it to the next one that can.
   */
  repairOnRead?: boolean;
}

/** A session holds the run lock at most this long without a heartbeat before another host may take it. */
const RUN_LOCK_STALE_MS = 60_000;

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

export class LocalStore implements RunStore, ArtifactStore {
  readonly artifactsDir: string;
  private readonly appends = new Map<string, Promise<void>>();

  constructor(
    artifactsDir: string,
    private readonly opts: LocalStoreOptions,
  ) {
    this.artifactsDir = path.resolve(artifactsDir);
  }

  modelDir(model: ModelKey): string {
    return modelRoot(this.artifactsDir, model.project, model.suite, model.model);
  }

  private folder(model: ModelKey): ModelFolder {
    return new ModelFolder(this.modelDir(model), this.opts.warn);
  }

  runDir(run: RunKey): string {
    return this.folder(run).runDir(run.runId);
  }

  locate(run: RunKey): string {
    return this.runDir(run);
  }

  /** Runs a write, so that a full, read-only or unwritable folder is STORAGE_FAULT naming the artifacts folder. */
  private writing<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    return writingTo(this.artifactsDir, doing, fn);
  }

  describe(model: ModelKey): string {
    return this.modelDir(model);
  }

  async listModels(project: string, suite: string): Promise<ModelKey[]> {
    const suiteDir = within(
      this.artifactsDir,
      safeSegment(project, 'project'),
      safeSegment(suite, 'suite_name'),
    );
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(suiteDir, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const out: ModelKey[] = [];
    for (const d of dirents.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      // A model folder has a name the engine could have made, and holds an index.json or at least one
      // finished run (whose writer died before the index was first written); any other folder is not ours.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(d.name) || d.name.includes('..')) continue;
      const dir = path.join(suiteDir, d.name);
      if ((await isFile(path.join(dir, INDEX_FILE))) || (await this.holdsRun(dir))) {
        out.push({ project, suite, model: d.name });
      }
    }
    return out;
  }

  private async holdsRun(modelDir: string): Promise<boolean> {
    const runs = await fs.readdir(modelDir, { withFileTypes: true });
    for (const r of runs) if (r.isDirectory() && (await hasRecord(path.join(modelDir, r.name)))) return true;
    return false;
  }

  async index(model: ModelKey): Promise<IndexEntry[]> {
    const r = await this.writing('reading the model index', () =>
      this.folder(model).index(this.opts.repairOnRead !== false),
    );
    await this.recovered(model, r.added);
    return r.entries;
  }

  private async recovered(model: ModelKey, added: readonly RunRecord[]): Promise<void> {
    for (const rec of added) {
      const run = { ...model, runId: rec.run_id };
      this.opts.warn(
        `run ${rec.run_id} (${rec.status}) had no index entry (its writer stopped early); added it`,
      );
      if (!this.opts.onRecovered) continue;
      try {
        await this.opts.onRecovered(rec, run);
      } catch (e) {
        this.opts.warn(`run ${rec.run_id} was added to the index, but ${describeError(e)}`);
      }
    }
  }

  async readRun(run: RunKey): Promise<RunRecord> {
    return await readRecordAt(this.runDir(run));
  }

  /**
   * run.json first, then the index entry under the index lock: a kill in between is healed on next read.
   * The space reserved for the record is given back first, so a disk the run filled still takes it.
   */
  async commitRun(record: RunRecord): Promise<void> {
    const run = runKeyOf(record);
    const dir = this.runDir(run);
    await this.writing(`writing ${RUN_FILE}`, async () => {
      await releaseRecordReserveAt(dir);
      await atomicWriteJson(path.join(dir, RUN_FILE), record);
    });
    await this.writing('updating the model index', () => this.folder(run).upsert(record));
  }

  /** Deletes the run's folder (record, samples, artifacts), its index entry and tags naming it. */
  async deleteRun(run: RunKey): Promise<void> {
    const dir = this.runDir(run);
    const folder = this.folder(run);
    const listed = (await folder.index(false)).entries.some((e) => e.run_id === run.runId);
    const present = await fs.stat(dir).then(
      () => true,
      () => false,
    );
    if (!listed && !present) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${run.runId}" under ${this.modelDir(run)}`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    }
    // run.json goes first: a deletion cut short leaves a folder without a record, which no repair re-adds.
    await fs.rm(path.join(dir, RUN_FILE), { force: true });
    await fs.rm(dir, { recursive: true, force: true });
    await folder.removeEntries([run.runId]);
    await folder.untagRuns([run.runId]);
  }

  async repairIndex(model: ModelKey): Promise<IndexRepair> {
    const r = await this.folder(model).repair();
    await this.recovered(model, r.added);
    return {
      added: r.added.map((rec) => ({ ...model, runId: rec.run_id })),
      dropped: r.dropped.map((runId) => ({ ...model, runId })),
      released: await this.releaseOrphanReserves(model),
    };
  }

  /**
   * Gives back the record reserve of each run folder whose session is gone: a run killed with SIGKILL
   * leaves it, and nothing else would remove it until the run is resumed (which reserves afresh). Taking
   * the run lock first is what makes this safe: a live session keeps its lock, and so its reserve.
   */
  private async releaseOrphanReserves(model: ModelKey): Promise<RunKey[]> {
    const dir = this.folder(model).dir;
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const released: RunKey[] = [];
    for (const name of dirents
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()) {
      const runDir = path.join(dir, name);
      const hasReserve = await fs.stat(path.join(runDir, RECORD_RESERVE_FILE)).then(
        () => true,
        () => false,
      );
      if (!hasReserve) continue;
      const r = await tryLock(path.join(runDir, RUN_LOCK_FILE), {
        staleMs: RUN_LOCK_STALE_MS,
        warn: this.opts.warn,
      });
      if (!('lock' in r)) continue;
      try {
        await this.writing('removing the record reserve', () => releaseRecordReserveAt(runDir));
      } finally {
        await r.lock.release();
      }
      released.push({ ...model, runId: name });
    }
    return released;
  }

  async tags(model: ModelKey): Promise<Record<string, string>> {
    return this.folder(model).tags();
  }

  async setTag(model: ModelKey, name: string, runId: string): Promise<void> {
    return this.folder(model).setTag(name, runId);
  }

  async deleteTag(model: ModelKey, name: string): Promise<void> {
    return this.folder(model).deleteTag(name);
  }

  async writeState(run: RunKey, state: RunState): Promise<void> {
    return this.writing('writing state.json', () => writeStateAt(this.runDir(run), state));
  }

  async readState(run: RunKey): Promise<RunState> {
    return readStateAt(this.runDir(run));
  }

  /** Appends are serialised per run, so concurrent workers of one session never interleave a line. */
  async appendSample(run: RunKey, sample: SampleRecord): Promise<void> {
    const dir = this.runDir(run);
    const next = (this.appends.get(dir) ?? Promise.resolve()).then(() =>
      this.writing('appending to samples.jsonl', () => appendSampleAt(dir, sample)),
    );
    // The chain continues after a failed append; the failure itself reaches this append's caller.
    this.appends.set(
      dir,
      next.catch(() => undefined),
    );
    return next;
  }

  async readSamples(run: RunKey): Promise<SampleRecord[]> {
    return readSamplesAt(this.runDir(run), this.opts.warn);
  }

  /**
   * Takes the run's lock and reserves the space of its record before anything is generated: a folder
   * that cannot take that much fails here, before any GPU time is spent.
   */
  async lockRun(run: RunKey): Promise<RunLock> {
    const dir = this.runDir(run);
    const lock = await this.writing('creating the run folder', () =>
      lockRunDir(dir, run.runId, this.opts.warn),
    );
    const release = async (): Promise<void> => {
      try {
        await this.writing('removing the record reserve', () => releaseRecordReserveAt(dir));
      } finally {
        await lock.release();
      }
    };
    try {
      await this.writing(`reserving space for ${RUN_FILE}`, () => reserveRecordAt(dir));
    } catch (e) {
      await release().catch((r: unknown) => this.opts.warn(`run ${run.runId}: ${describeError(r)}`));
      throw e;
    }
    return { holder: describeHolder(lock.holder), release };
  }

  // ---- ArtifactStore ------------------------------------------------------------------------------------

  localPath(key: ArtifactKey): string {
    return within(this.runDir(key.run), ...artifactName(key.name).split('/'));
  }

  async put(key: ArtifactKey, localFile: string): Promise<void> {
    const dest = this.localPath(key);
    if (path.resolve(localFile) === dest) return; // written in place already
    await this.writing(`storing ${key.name}`, () => moveInto(localFile, dest));
  }

  async putText(key: ArtifactKey, text: string): Promise<void> {
    return this.writing(`writing ${key.name}`, () => atomicWriteFile(this.localPath(key), text));
  }

  async fetchTo(key: ArtifactKey, localFile: string): Promise<void> {
    const src = this.localPath(key);
    await fs.mkdir(path.dirname(path.resolve(localFile)), { recursive: true });
    try {
      await fs.copyFile(src, localFile);
    } catch (e) {
      if (!isMissing(e)) throw e;
      throw new TemporalCIError('RUN_NOT_FOUND', `run ${key.run.runId} has no artifact ${key.name}`, {
        hint: 'it may not have been kept (artifacts.video) or been pruned',
      });
    }
  }

  async exists(key: ArtifactKey): Promise<boolean> {
    try {
      await fs.stat(this.localPath(key));
      return true;
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw e;
    }
  }

  async remove(key: ArtifactKey): Promise<void> {
    await fs.rm(this.localPath(key), { recursive: true, force: true });
  }

  async removePrefix(run: RunKey, prefix: string): Promise<void> {
    const { dir, start } = artifactPrefix(prefix);
    const base = within(this.runDir(run), ...(dir ? dir.split('/') : []));
    let names: string[];
    try {
      names = await fs.readdir(base);
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    for (const name of names) {
      if (!name.startsWith(start) || (dir === '' && STORE_FILES.has(name))) continue;
      await fs.rm(path.join(base, name), { recursive: true, force: true });
    }
  }

  async url(key: ArtifactKey, from?: ArtifactKey): Promise<string> {
    const to = this.localPath(key);
    if (from === undefined) return pathToFileURL(to).href;
    const rel = (p: string) => path.relative(this.artifactsDir, p).split(path.sep).join('/');
    return relativeUrl(rel(this.localPath(from)), rel(to));
  }

  async runBytes(run: RunKey): Promise<number> {
    return sizeOf(this.runDir(run));
  }
}

/** The run lock of a run folder; RUN_LOCKED naming the holder when another session has it. */
async function lockRunDir(runDir: string, runId: string, warn: Warn): Promise<HeldLock> {
  await makeDirs(runDir);
  const file = path.join(runDir, RUN_LOCK_FILE);
  const r = await tryLock(file, { staleMs: RUN_LOCK_STALE_MS, warn });
  if ('lock' in r) return r.lock;
  throw new TemporalCIError('RUN_LOCKED', `run ${runId} is locked by ${describeHolder(r.holder)}`, {
    file,
    hint: `another \`temporalci run\` session is writing this run; wait for it to end (a lock left by a process that died is recovered by itself: at once on this machine, after ${RUN_LOCK_STALE_MS / 1000} s from another)`,
  });
}

/** Moves a file into the store; across devices through a temp name, so a reader never sees half a file. */
async function moveInto(localFile: string, dest: string): Promise<void> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  try {
    await fs.rename(localFile, dest);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
  }
  // Another device (a scratch folder on tmpfs): a copy that fails (a full disk) leaves nothing behind.
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await fs.copyFile(localFile, tmp);
    await fs.rename(tmp, dest);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fs.rm(localFile, { force: true });
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function sizeOf(dir: string): Promise<number> {
  let dirents: Dirent[];
  try {
    dirents = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return 0;
    throw e;
  }
  let total = 0;
  for (const d of dirents) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) total += await sizeOf(p);
    else
      total += await fs.stat(p).then(
        (s) => s.size,
        (e: unknown) => (isMissing(e) ? 0 : Promise.reject(e)),
      );
  }
  return total;
}

/** The free functions src/runs and src/report called before the port (deprecated; see legacy.ts). */
export { addToIndex, deleteTag, loadIndex, readRunRecord, readTags, setTag } from './legacy.js';
export { INDEX_FILE } from './model-folder.js';
export { RUN_FILE } from './run-files.js';
