import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { atomicWriteJson } from '../platform/fs.js';
import type { IndexEntry } from '../schema/files.js';
import { INDEX_JSON_FILE, INDEX_SCHEMA_VERSION, parseStored, TAGS_JSON_FILE } from '../schema/readers.js';
import type { RunRecord } from '../schema/run.js';
import { withLock } from './lock.js';
import { hasRecord, RUN_FILE, readRecordAt } from './run-files.js';
import type { Warn } from './types.js';

/**
 * One model's folder: a folder per run (with run.json) and `index.json`, the single source of history
 * (baselines, status, trend and prune all read it), plus `tags.json`. Both are rewritten atomically (temp
 * file + rename) under `index.lock`, so concurrent writers never lose each other's entries; readers need no
 * lock, since a rename replaces the whole file at once.
 *
 * A run whose writer died between run.json and its index entry is found by the repair pass of the next
 * read: one readdir of this folder, then a stat of run.json for each run-named folder the index lacks.
 */

export const INDEX_FILE = 'index.json';
const TAGS_FILE = 'tags.json';
const INDEX_LOCK_FILE = 'index.lock';

/**
 * Folder names the repair pass adopts: the engine's run ids (`20261122T071302145Z-3f9a`). A folder named
 * otherwise was put there by hand and joins the index only through an explicit `repair-index`.
 */
const RUN_ID_LIKE = /^\d{8}T\d{6}/;
/** Names a run id may take (as a folder name): no separators, no "..", no leading dot. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** An index writer holds the lock for one read and one write: anything near this is a dead writer. */
const INDEX_LOCK = { staleMs: 30_000, waitMs: 60_000 };

export function isRunIdSafe(runId: string): boolean {
  return RUN_ID.test(runId) && !runId.includes('..');
}

export function indexEntryOf(rec: RunRecord): IndexEntry {
  return {
    run_id: rec.run_id,
    timestamp_utc: rec.timestamp_utc,
    status: rec.status,
    samples_planned: rec.counts.planned,
    samples_measured: rec.counts.measured,
    gate_failed: rec.gate_failed,
    regression_failed: rec.regression_failed,
  };
}

export interface FolderIndex {
  entries: IndexEntry[];
  /** Runs the read added to the index (repair pass or rebuild), with their records. */
  added: RunRecord[];
}

export interface FolderRepair extends FolderIndex {
  dropped: string[];
}

type IndexRead = { entries: IndexEntry[] } | { missing: true } | { corrupt: string };

export class ModelFolder {
  constructor(
    readonly dir: string,
    private readonly warn: Warn,
  ) {}

  runDir(runId: string): string {
    if (!isRunIdSafe(runId)) {
      throw new TemporalCIError('PATH_UNSAFE', `run id "${runId}" cannot be used as a folder name`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    }
    return path.join(this.dir, runId);
  }

  private get indexFile(): string {
    return path.join(this.dir, INDEX_FILE);
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(
      path.join(this.dir, INDEX_LOCK_FILE),
      `the index of ${this.dir}`,
      { ...INDEX_LOCK, warn: this.warn },
      fn,
    );
  }

  private async readIndexFile(): Promise<IndexRead> {
    let text: string;
    try {
      text = await fs.readFile(this.indexFile, 'utf8');
    } catch (e) {
      // A path through a regular file holds no index either; writing there later names the fault.
      if (isAbsent(e)) return { missing: true };
      throw new TemporalCIError('STORE_CORRUPT', `cannot read ${this.indexFile}: ${describeError(e)}`);
    }
    try {
      return { entries: parseStored(INDEX_JSON_FILE, text, this.indexFile).runs };
    } catch (e) {
      return { corrupt: describeError(e) };
    }
  }

  private async writeIndex(entries: IndexEntry[]): Promise<void> {
    const runs = [...entries].sort((a, b) => a.run_id.localeCompare(b.run_id));
    await atomicWriteJson(this.indexFile, { schema_version: INDEX_SCHEMA_VERSION, runs });
  }

  private async exists(): Promise<boolean> {
    return fs.stat(this.dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** Subfolders holding a run.json, by name. */
  private async runFolders(filter: (name: string) => boolean = () => true): Promise<string[]> {
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(this.dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const names = dirents.filter((d) => d.isDirectory() && filter(d.name)).map((d) => d.name);
    const withRecord = await Promise.all(
      names.map(async (n) => ((await hasRecord(path.join(this.dir, n))) ? n : null)),
    );
    return withRecord.filter((n): n is string => n !== null).sort();
  }

  /** The run's record, if it is one this folder may index (its run_id names its folder). */
  private async recordOf(name: string): Promise<RunRecord | null> {
    try {
      const rec = await readRecordAt(path.join(this.dir, name));
      if (rec.run_id === name) return rec;
      this.warn(`skipping run ${name}: its ${RUN_FILE} is of run ${rec.run_id}`);
    } catch (e) {
      this.warn(`skipping run ${name}: ${describeError(e)}`);
    }
    return null;
  }

  /** Rebuilds the index from the run folders (an unreadable run.json is skipped with a warning). Locked. */
  private async rebuild(): Promise<FolderIndex> {
    const added: RunRecord[] = [];
    for (const name of await this.runFolders()) {
      const rec = await this.recordOf(name);
      if (rec) added.push(rec);
    }
    const entries = added.map(indexEntryOf);
    await this.writeIndex(entries);
    return { entries: entries.sort((a, b) => a.run_id.localeCompare(b.run_id)), added };
  }

  /** The index as written, rebuilding it when missing or unreadable. Locked. */
  private async currentOrRebuilt(): Promise<FolderIndex> {
    const read = await this.readIndexFile();
    if ('entries' in read) return { entries: read.entries, added: [] };
    if ('corrupt' in read)
      this.warn(`${this.indexFile} is unreadable (${read.corrupt}); rebuilding it from the run folders`);
    return this.rebuild();
  }

  /** The model's runs, oldest first; `repair` adds run folders the index lacks (see the class comment). */
  async index(repair: boolean): Promise<FolderIndex> {
    const read = await this.readIndexFile();
    if (!('entries' in read)) {
      if (!(await this.exists())) return { entries: [], added: [] };
      return this.locked(() => this.currentOrRebuilt());
    }
    if (!repair) return { entries: read.entries, added: [] };
    const known = new Set(read.entries.map((e) => e.run_id));
    const unindexed = await this.runFolders((n) => !known.has(n) && RUN_ID_LIKE.test(n));
    if (unindexed.length === 0) return { entries: read.entries, added: [] };
    return this.locked(async () => {
      const now = await this.currentOrRebuilt();
      const have = new Set(now.entries.map((e) => e.run_id));
      const added = [...now.added];
      for (const name of unindexed.filter((n) => !have.has(n))) {
        const rec = await this.recordOf(name);
        if (rec) added.push(rec);
      }
      if (added.length === now.added.length) return now;
      const entries = [...now.entries, ...added.slice(now.added.length).map(indexEntryOf)];
      await this.writeIndex(entries);
      return { entries: entries.sort((a, b) => a.run_id.localeCompare(b.run_id)), added };
    });
  }

  /** Adds or replaces a run's entry; its run.json is written already, so a rebuild would include it. */
  async upsert(rec: RunRecord): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await this.locked(async () => {
      const now = await this.currentOrRebuilt();
      const entries = now.entries.filter((e) => e.run_id !== rec.run_id);
      entries.push(indexEntryOf(rec));
      await this.writeIndex(entries);
    });
  }

  async removeEntries(runIds: readonly string[]): Promise<void> {
    if (!(await this.exists())) return;
    const doomed = new Set(runIds);
    await this.locked(async () => {
      const read = await this.readIndexFile();
      if (!('entries' in read)) return; // the next read rebuilds it from the folders that are left
      await this.writeIndex(read.entries.filter((e) => !doomed.has(e.run_id)));
    });
  }

  /**
   * Rebuilds the index from the folders: adds every folder with a readable run.json of its own run id,
   * drops entries whose run.json is gone, keeps (with a warning) entries whose run.json is unreadable.
   */
  async repair(): Promise<FolderRepair> {
    if (!(await this.exists())) return { entries: [], added: [], dropped: [] };
    return this.locked(async () => {
      const read = await this.readIndexFile();
      if ('corrupt' in read) this.warn(`${this.indexFile} is unreadable (${read.corrupt}); rebuilding it`);
      const old = 'entries' in read ? read.entries : [];
      const names = await this.runFolders();
      const onDisk = new Set(names);
      const found: RunRecord[] = [];
      for (const name of names) {
        const rec = await this.recordOf(name);
        if (rec) found.push(rec);
      }
      const foundIds = new Set(found.map((r) => r.run_id));
      const unreadable = old.filter((e) => onDisk.has(e.run_id) && !foundIds.has(e.run_id));
      const dropped = old.filter((e) => !onDisk.has(e.run_id)).map((e) => e.run_id);
      const oldIds = new Set(old.map((e) => e.run_id));
      const entries = [...found.map(indexEntryOf), ...unreadable];
      await this.writeIndex(entries);
      return {
        entries: entries.sort((a, b) => a.run_id.localeCompare(b.run_id)),
        added: found.filter((r) => !oldIds.has(r.run_id)),
        dropped,
      };
    });
  }

  // ---- tags -----------------------------------------------------------------------------------------

  async tags(): Promise<Record<string, string>> {
    const file = path.join(this.dir, TAGS_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if (isAbsent(e)) return {};
      throw new TemporalCIError('STORE_CORRUPT', `cannot read ${file}: ${describeError(e)}`);
    }
    return parseStored(TAGS_JSON_FILE, text, file);
  }

  async setTag(name: string, runId: string): Promise<void> {
    checkTagName(name);
    if (!isRunIdSafe(runId) || !(await hasRecord(path.join(this.dir, runId)))) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${runId}" under ${this.dir}`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    }
    await this.locked(async () => {
      const tags = await this.tags();
      tags[name] = runId;
      await atomicWriteJson(path.join(this.dir, TAGS_FILE), tags);
    });
  }

  async deleteTag(name: string): Promise<void> {
    const missing = () =>
      new TemporalCIError('RUN_NOT_FOUND', `no tag "${name}" under ${this.dir}`, {
        hint: 'list tags with `temporalci tag list`',
      });
    if (!Object.hasOwn(await this.tags(), name)) throw missing();
    await this.locked(async () => {
      const tags = await this.tags();
      if (!Object.hasOwn(tags, name)) throw missing(); // deleted by another writer meanwhile
      delete tags[name];
      await atomicWriteJson(path.join(this.dir, TAGS_FILE), tags);
    });
  }

  /** Drops every tag naming one of these runs (their runs were deleted). */
  async untagRuns(runIds: readonly string[]): Promise<void> {
    const gone = new Set(runIds);
    const before = await this.tags();
    if (!Object.values(before).some((id) => gone.has(id))) return;
    await this.locked(async () => {
      const tags = await this.tags();
      const kept = Object.fromEntries(Object.entries(tags).filter(([, id]) => !gone.has(id)));
      await atomicWriteJson(path.join(this.dir, TAGS_FILE), kept);
    });
  }
}

export function checkTagName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new TemporalCIError('USAGE', `tag name "${name}" is not allowed`, {
      hint: 'use letters, digits, ".", "_" and "-"',
    });
  }
}

/** ENOENT, or ENOTDIR (a part of the path is a regular file): either way there is nothing to read. */
function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
