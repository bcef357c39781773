import type { IndexEntry, RunState } from '../../schema/files.js';
import type { RunRecord, SampleRecord } from '../../schema/run.js';
import type {
  ArtifactKey,
  ArtifactStore,
  IndexRepair,
  ModelKey,
  RunKey,
  RunLock,
  RunStore,
} from '../types.js';
import type { PostgresRunStore } from './store.js';

/**
 * Records in Postgres, files in an ArtifactStore (S3 in a fleet, a local folder in tests), behind the one
 * object the engine and the commands take. Deleting a run deletes its records first, then its files: a
 * deletion cut short leaves unreferenced files (garbage a later pass may collect), never a record whose
 * videos are gone. The artifact port has no "every file of a run", so the caller says how to remove them.
 */
export class PairedStore implements RunStore, ArtifactStore {
  constructor(
    private readonly records: PostgresRunStore,
    private readonly files: ArtifactStore,
    private readonly removeRunFiles: (run: RunKey) => Promise<void>,
  ) {}

  describe(model: ModelKey): string {
    return this.records.describe(model);
  }
  locate(run: RunKey): string {
    return this.records.locate(run);
  }
  listModels(project: string, suite: string): Promise<ModelKey[]> {
    return this.records.listModels(project, suite);
  }
  index(model: ModelKey): Promise<IndexEntry[]> {
    return this.records.index(model);
  }
  readRun(run: RunKey): Promise<RunRecord> {
    return this.records.readRun(run);
  }
  commitRun(record: RunRecord): Promise<void> {
    return this.records.commitRun(record);
  }
  async deleteRun(run: RunKey): Promise<void> {
    await this.records.deleteRun(run);
    await this.removeRunFiles(run);
  }
  repairIndex(model: ModelKey): Promise<IndexRepair> {
    return this.records.repairIndex(model);
  }
  tags(model: ModelKey): Promise<Record<string, string>> {
    return this.records.tags(model);
  }
  setTag(model: ModelKey, name: string, runId: string): Promise<void> {
    return this.records.setTag(model, name, runId);
  }
  deleteTag(model: ModelKey, name: string): Promise<void> {
    return this.records.deleteTag(model, name);
  }
  writeState(run: RunKey, state: RunState): Promise<void> {
    return this.records.writeState(run, state);
  }
  readState(run: RunKey): Promise<RunState> {
    return this.records.readState(run);
  }
  appendSample(run: RunKey, sample: SampleRecord): Promise<void> {
    return this.records.appendSample(run, sample);
  }
  readSamples(run: RunKey): Promise<SampleRecord[]> {
    return this.records.readSamples(run);
  }
  lockRun(run: RunKey): Promise<RunLock> {
    return this.records.lockRun(run);
  }

  put(key: ArtifactKey, localFile: string): Promise<void> {
    return this.files.put(key, localFile);
  }
  putText(key: ArtifactKey, text: string): Promise<void> {
    return this.files.putText(key, text);
  }
  fetchTo(key: ArtifactKey, localFile: string): Promise<void> {
    return this.files.fetchTo(key, localFile);
  }
  exists(key: ArtifactKey): Promise<boolean> {
    return this.files.exists(key);
  }
  remove(key: ArtifactKey): Promise<void> {
    return this.files.remove(key);
  }
  removePrefix(run: RunKey, prefix: string): Promise<void> {
    return this.files.removePrefix(run, prefix);
  }
  url(key: ArtifactKey, from?: ArtifactKey): Promise<string> {
    return this.files.url(key, from);
  }
  localPath(key: ArtifactKey): string | null {
    return this.files.localPath(key);
  }
  /** The run's files and its records, as a local run folder counts both. */
  async runBytes(run: RunKey): Promise<number> {
    return (await this.records.recordBytes(run)) + (await this.files.runBytes(run));
  }
}
