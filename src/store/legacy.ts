import type { IndexEntry } from '../schema/files.js';
import type { RunRecord } from '../schema/run.js';
import { ModelFolder } from './model-folder.js';
import { readRecordAt } from './run-files.js';
import type { Warn } from './types.js';

/** Where the lock's rare warnings (a stale lock recovered) go for callers that pass no `warn`. */
const processWarn: Warn = (m) => process.emitWarning(m, 'TemporalCIWarning');

/**
 * The store's free functions on model-folder paths, as src/runs and src/report called them before the
 * RunStore port. They run on the same code as LocalStore (so `addToIndex` updates the index under its lock)
 * and are deleted once their callers use the port.
 */

/**
 * @deprecated engine migration: use `RunStore.index`.
 * Reads without the repair pass: a caller that cannot write a recovered run's report leaves the recovery
 * to the next CLI command, which can (src/cli/store.ts).
 */
export async function loadIndex(modelRoot: string, warn: Warn): Promise<IndexEntry[]> {
  return (await new ModelFolder(modelRoot, warn).index(false)).entries;
}

/** @deprecated engine migration: use `RunStore.commitRun`, which writes run.json and this entry. */
export function addToIndex(modelRoot: string, rec: RunRecord, warn: Warn): Promise<void> {
  return new ModelFolder(modelRoot, warn).upsert(rec);
}

/** @deprecated engine migration: use `RunStore.readRun`. */
export function readRunRecord(runDir: string): Promise<RunRecord> {
  return readRecordAt(runDir);
}

/** @deprecated engine migration: use `RunStore.tags`. */
export function readTags(modelRoot: string): Promise<Record<string, string>> {
  return new ModelFolder(modelRoot, processWarn).tags();
}

/** @deprecated engine migration: use `RunStore.setTag`. */
export function setTag(
  modelRoot: string,
  name: string,
  runId: string,
  warn: Warn = processWarn,
): Promise<void> {
  return new ModelFolder(modelRoot, warn).setTag(name, runId);
}

/** @deprecated engine migration: use `RunStore.deleteTag`. */
export function deleteTag(modelRoot: string, name: string, warn: Warn = processWarn): Promise<void> {
  return new ModelFolder(modelRoot, warn).deleteTag(name);
}
