import type { IndexEntry, RunState } from '../schema/files.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';

/**
 * The two ports between the engine and wherever runs are kept. `LocalStore` (src/store/local.ts) keeps them
 * in an artifacts folder laid out as `<project>/<suite>/<model>/<run id>/` (the layout every earlier version
 * wrote); `MemoryRunStore` (src/store/memory.ts) keeps them in memory for in-process tests; a fleet keeps
 * them in Postgres and S3. Nothing outside src/store knows where or how a run is kept.
 */

/** A model's history: the runs of one model of one suite of one project. */
export interface ModelKey {
  project: string;
  suite: string;
  model: string;
}

/** One run of a model. */
export interface RunKey extends ModelKey {
  runId: string;
}

/** A file of a run, by its name inside the run (`report.html`, `videos/<sample>.mp4`, `work/<sample>/x.log`). */
export interface ArtifactKey {
  run: RunKey;
  name: string;
}

export type Warn = (message: string) => void;

/** Held while a run is written by one session (`run`, `run --resume`); released when it ends. */
export interface RunLock {
  /** Who holds it, for the error a second holder gets ("pid 4242 on host-a since 2026-12-01T…"). */
  readonly holder: string;
  release(): Promise<void>;
}

/** What a repair pass changed in a model's index. */
export interface IndexRepair {
  /** Runs with a finished record that the index lacked (a writer killed between record and index). */
  added: RunKey[];
  /** Index entries whose run no longer exists (deleted by hand); dropped by `repairIndex` only. */
  dropped: RunKey[];
  /**
   * Runs whose session died holding disk space for its record (`run.json.reserve`), now given back;
   * a run still being written is never touched. Local stores only: the others reserve nothing.
   */
  released: RunKey[];
}

export interface RunStore {
  /** Where a model's runs are kept, in words for messages (`artifacts/proj/suite/model`). */
  describe(model: ModelKey): string;
  /** Where one run is kept: its folder for a local store (what `run --resume` takes), a URL elsewhere. */
  locate(run: RunKey): string;
  /** Every model of one suite that has a history. */
  listModels(project: string, suite: string): Promise<ModelKey[]>;
  /**
   * The model's runs, oldest first. Reading repairs: a run that has a record but no index entry is added
   * (and reported through the store's `onRecovered` hook, so its report can be written).
   */
  index(model: ModelKey): Promise<IndexEntry[]>;
  readRun(run: RunKey): Promise<RunRecord>;
  /** Writes the record and its index entry so that no interleaving of writers and no kill loses either. */
  commitRun(record: RunRecord): Promise<void>;
  deleteRun(run: RunKey): Promise<void>;
  /** Rebuilds the index from the runs kept, dropping entries of runs that are gone. */
  repairIndex(model: ModelKey): Promise<IndexRepair>;

  tags(model: ModelKey): Promise<Record<string, string>>;
  setTag(model: ModelKey, name: string, runId: string): Promise<void>;
  deleteTag(model: ModelKey, name: string): Promise<void>;

  /** Resumable sessions: the state a run was started with, and its finished samples as they finish. */
  writeState(run: RunKey, state: RunState): Promise<void>;
  readState(run: RunKey): Promise<RunState>;
  appendSample(run: RunKey, sample: SampleRecord): Promise<void>;
  /** Every complete sample of the run; the last one wins when a sample appears twice. */
  readSamples(run: RunKey): Promise<SampleRecord[]>;
  /** Exclusive: a second holder of the same run gets a `RUN_LOCKED` error naming the first. */
  lockRun(run: RunKey): Promise<RunLock>;
}

export interface ArtifactStore {
  /** Moves or copies a local file into the store (the local file may be gone afterwards). */
  put(key: ArtifactKey, localFile: string): Promise<void>;
  /** Writes a small text artifact (report.html, a log). */
  putText(key: ArtifactKey, text: string): Promise<void>;
  /** A local copy of the artifact (for thumbnails, re-measuring, pairing with a baseline video). */
  fetchTo(key: ArtifactKey, localFile: string): Promise<void>;
  exists(key: ArtifactKey): Promise<boolean>;
  remove(key: ArtifactKey): Promise<void>;
  /** Removes every artifact of a run whose name starts with `prefix` (e.g. `work/` scratch folders). */
  removePrefix(run: RunKey, prefix: string): Promise<void>;
  /**
   * How a page stored at `from` links to `key`: a relative path locally, a presigned URL on S3 (async: a
   * signature needs the credentials, which the AWS default chain resolves asynchronously).
   */
  url(key: ArtifactKey, from?: ArtifactKey): Promise<string>;
  /**
   * A local path for the artifact when the store is a local folder (so ffmpeg can read it in place),
   * null when it must be fetched first.
   */
  localPath(key: ArtifactKey): string | null;
  /** Bytes kept for a run (its artifacts, and its records where they live beside them), for `prune`. */
  runBytes(run: RunKey): Promise<number>;
}

export const runKeyOf = (r: Pick<RunRecord, 'project' | 'suite_name' | 'model_name' | 'run_id'>): RunKey => ({
  project: r.project,
  suite: r.suite_name,
  model: r.model_name,
  runId: r.run_id,
});
