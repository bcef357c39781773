import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { atomicWriteJson } from '../platform/fs.js';
import type { IndexEntry } from '../schema/files.js';
import { RUN_SCHEMA_VERSION, type RunRecord, type RunStatus } from '../schema/run.js';

/**
 * The local run store. Each model has a folder holding one folder per run (with run.json) and `index.json`,
 * the single source of history: baselines, status, trend and prune all read it. It is rewritten atomically
 * (temp file + rename) and rebuilt from the run folders whenever it is missing or unreadable.
 */

export const INDEX_FILE = 'index.json';
export const RUN_FILE = 'run.json';
export const TAGS_FILE = 'tags.json';

interface IndexFile {
  schema_version: 1;
  runs: IndexEntry[];
}

export type Warn = (message: string) => void;

export async function readRunRecord(runDir: string): Promise<RunRecord> {
  const file = path.join(runDir, RUN_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new TemporalCIError('RUN_NOT_FOUND', `cannot read ${file}: ${describeError(e)}`, {
      hint: 'check the run folder; `temporalci history` lists the runs',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TemporalCIError('STORE_CORRUPT', `${file} is not valid JSON: ${describeError(e)}`);
  }
  const rec = parsed as Partial<RunRecord>;
  if (rec === null || typeof rec !== 'object' || rec.schema_version !== RUN_SCHEMA_VERSION || !rec.run_id) {
    throw new TemporalCIError(
      'STORE_CORRUPT',
      `${file} is not a TemporalCI run record (schema_version ${String(rec?.schema_version)})`,
      { hint: `this version reads schema_version ${RUN_SCHEMA_VERSION}` },
    );
  }
  return rec as RunRecord;
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

/** Rebuilds the index from the run folders; an unreadable run.json is skipped with a warning. */
export async function rebuildIndex(modelRoot: string, warn: Warn): Promise<IndexEntry[]> {
  let names: string[];
  try {
    names = (await fs.readdir(modelRoot, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
  const entries: IndexEntry[] = [];
  for (const name of names) {
    const runDir = path.join(modelRoot, name);
    try {
      await fs.access(path.join(runDir, RUN_FILE));
    } catch {
      continue; // not a run folder (or a run still being written)
    }
    try {
      entries.push(indexEntryOf(await readRunRecord(runDir)));
    } catch (e) {
      warn(`skipping run ${name}: ${describeError(e)}`);
    }
  }
  entries.sort((a, b) => a.run_id.localeCompare(b.run_id));
  await atomicWriteJson(path.join(modelRoot, INDEX_FILE), {
    schema_version: 1,
    runs: entries,
  } satisfies IndexFile);
  return entries;
}

/** The model's run history, oldest first. */
export async function loadIndex(modelRoot: string, warn: Warn): Promise<IndexEntry[]> {
  const file = path.join(modelRoot, INDEX_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return rebuildIndex(modelRoot, warn);
  }
  try {
    const parsed = JSON.parse(text) as Partial<IndexFile>;
    if (parsed.schema_version !== 1 || !Array.isArray(parsed.runs)) throw new Error('unexpected shape');
    return parsed.runs;
  } catch (e) {
    warn(`${file} is unreadable (${describeError(e)}); rebuilding it from the run folders`);
    return rebuildIndex(modelRoot, warn);
  }
}

export async function writeIndex(modelRoot: string, runs: IndexEntry[]): Promise<void> {
  const sorted = [...runs].sort((a, b) => a.run_id.localeCompare(b.run_id));
  await atomicWriteJson(path.join(modelRoot, INDEX_FILE), {
    schema_version: 1,
    runs: sorted,
  } satisfies IndexFile);
}

export async function addToIndex(modelRoot: string, rec: RunRecord, warn: Warn): Promise<void> {
  const runs = (await loadIndex(modelRoot, warn)).filter((r) => r.run_id !== rec.run_id);
  runs.push(indexEntryOf(rec));
  await writeIndex(modelRoot, runs);
}

export async function runExists(modelRoot: string, runId: string): Promise<boolean> {
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) return false;
  try {
    await fs.access(path.join(modelRoot, runId, RUN_FILE));
    return true;
  } catch {
    return false;
  }
}

// ---- tags -------------------------------------------------------------------------------------------

export async function readTags(modelRoot: string): Promise<Record<string, string>> {
  const file = path.join(modelRoot, TAGS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object');
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  } catch (e) {
    throw new TemporalCIError('STORE_CORRUPT', `${file} is not valid: ${describeError(e)}`, {
      hint: 'fix or delete the file; tags are re-created with `temporalci tag set`',
    });
  }
}

export async function setTag(modelRoot: string, name: string, runId: string): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new TemporalCIError('USAGE', `tag name "${name}" is not allowed`, {
      hint: 'use letters, digits, ".", "_" and "-"',
    });
  }
  if (!(await runExists(modelRoot, runId))) {
    throw new TemporalCIError('RUN_NOT_FOUND', `no run "${runId}" under ${modelRoot}`, {
      hint: 'pick a run id from `temporalci history --model-root ...`',
    });
  }
  const tags = await readTags(modelRoot);
  tags[name] = runId;
  await atomicWriteJson(path.join(modelRoot, TAGS_FILE), tags);
}

export async function deleteTag(modelRoot: string, name: string): Promise<void> {
  const tags = await readTags(modelRoot);
  if (!Object.hasOwn(tags, name)) {
    throw new TemporalCIError('RUN_NOT_FOUND', `no tag "${name}" under ${modelRoot}`, {
      hint: 'list tags with `temporalci tag list`',
    });
  }
  delete tags[name];
  await atomicWriteJson(path.join(modelRoot, TAGS_FILE), tags);
}
