import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import type { IndexEntry, RunState } from '../schema/files.js';
import { parseStored, RUN_RECORD_FILE, RUN_STATE_FILE } from '../schema/readers.js';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import { artifactPrefix, logicalPath, relativeUrl } from './artifact-names.js';
import { describeHolder, type LockHolder } from './lock.js';
import { checkTagName, indexEntryOf, isRunIdSafe } from './model-folder.js';
import { safeSegment } from './paths.js';
import { parseSampleLines } from './run-files.js';
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
 * Both ports in memory, for in-process tests of the engine: the same semantics as LocalStore (the contract
 * tests in test/unit/store/contract.test.ts run against both), without a disk. What is stored goes through
 * JSON as it would on disk, so a caller cannot mutate a stored record through an object it still holds.
 * Nothing is lost here, so the repair pass has nothing to do.
 */

interface MemoryModel {
  entries: Map<string, IndexEntry>;
  tags: Record<string, string>;
}

interface MemoryRun {
  record?: string;
  state?: string;
  samples: string[];
}

const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function modelPath(m: ModelKey): string {
  return [
    safeSegment(m.project, 'project'),
    safeSegment(m.suite, 'suite_name'),
    safeSegment(m.model, 'model name'),
  ].join('/');
}

function runPath(r: RunKey): string {
  if (!isRunIdSafe(r.runId)) {
    throw new TemporalCIError('PATH_UNSAFE', `run id "${r.runId}" cannot be used as a folder name`, {
      hint: 'pick a run id from `temporalci history --model-root ...`',
    });
  }
  return `${modelPath(r)}/${r.runId}`;
}

export class MemoryRunStore implements RunStore, ArtifactStore {
  private readonly models = new Map<string, MemoryModel>();
  private readonly runs = new Map<string, MemoryRun>();
  private readonly artifacts = new Map<string, Buffer>();
  private readonly locks = new Map<string, LockHolder>();

  constructor(private readonly opts: { warn: Warn } = { warn: () => undefined }) {}

  describe(model: ModelKey): string {
    return `memory:${modelPath(model)}`;
  }

  locate(run: RunKey): string {
    return `memory:${modelPath(run)}/${run.runId}`;
  }

  async listModels(project: string, suite: string): Promise<ModelKey[]> {
    const prefix = `${safeSegment(project, 'project')}/${safeSegment(suite, 'suite_name')}/`;
    return [...this.models.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((k) => ({ project, suite, model: k.slice(prefix.length) }));
  }

  async index(model: ModelKey): Promise<IndexEntry[]> {
    const m = this.models.get(modelPath(model));
    if (!m) return [];
    return [...m.entries.values()].sort((a, b) => a.run_id.localeCompare(b.run_id)).map(roundTrip);
  }

  private run(run: RunKey): MemoryRun {
    const key = runPath(run);
    let r = this.runs.get(key);
    if (!r) {
      r = { samples: [] };
      this.runs.set(key, r);
    }
    return r;
  }

  async readRun(run: RunKey): Promise<RunRecord> {
    const text = this.runs.get(runPath(run))?.record;
    if (text === undefined) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${run.runId}" in ${this.describe(run)}`, {
        hint: 'check the run folder; `temporalci history` lists the runs',
      });
    }
    return parseStored(RUN_RECORD_FILE, text, `${this.describe(run)}/${run.runId}/run.json`);
  }

  async commitRun(record: RunRecord): Promise<void> {
    const run = runKeyOf(record);
    this.run(run).record = JSON.stringify(record);
    const key = modelPath(run);
    const m = this.models.get(key) ?? { entries: new Map(), tags: {} };
    m.entries.set(record.run_id, indexEntryOf(roundTrip(record)));
    this.models.set(key, m);
  }

  async deleteRun(run: RunKey): Promise<void> {
    const key = runPath(run);
    const m = this.models.get(modelPath(run));
    if (!this.runs.has(key) && !m?.entries.has(run.runId)) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${run.runId}" under ${this.describe(run)}`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    }
    this.runs.delete(key);
    for (const name of [...this.artifacts.keys()])
      if (name.startsWith(`${key}/`)) this.artifacts.delete(name);
    if (m) {
      m.entries.delete(run.runId);
      m.tags = Object.fromEntries(Object.entries(m.tags).filter(([, id]) => id !== run.runId));
    }
  }

  async repairIndex(_model: ModelKey): Promise<IndexRepair> {
    return { added: [], dropped: [], released: [] };
  }

  async tags(model: ModelKey): Promise<Record<string, string>> {
    return { ...(this.models.get(modelPath(model))?.tags ?? {}) };
  }

  async setTag(model: ModelKey, name: string, runId: string): Promise<void> {
    checkTagName(name);
    const m = this.models.get(modelPath(model));
    if (!isRunIdSafe(runId) || this.runs.get(runPath({ ...model, runId }))?.record === undefined || !m) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${runId}" under ${this.describe(model)}`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    }
    m.tags[name] = runId;
  }

  async deleteTag(model: ModelKey, name: string): Promise<void> {
    const m = this.models.get(modelPath(model));
    if (!m || !Object.hasOwn(m.tags, name)) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no tag "${name}" under ${this.describe(model)}`, {
        hint: 'list tags with `temporalci tag list`',
      });
    }
    delete m.tags[name];
  }

  async writeState(run: RunKey, state: RunState): Promise<void> {
    this.run(run).state = JSON.stringify(state);
  }

  async readState(run: RunKey): Promise<RunState> {
    const text = this.runs.get(runPath(run))?.state;
    if (text === undefined) {
      throw new TemporalCIError(
        'RUN_NOT_FOUND',
        `cannot resume ${this.describe(run)}/${run.runId}: no state`,
        {
          hint: 'pass the run folder printed as "run dir:" by the interrupted run',
        },
      );
    }
    return parseStored(RUN_STATE_FILE, text, `${this.describe(run)}/${run.runId}/state.json`);
  }

  async appendSample(run: RunKey, sample: SampleRecord): Promise<void> {
    this.run(run).samples.push(JSON.stringify(sample));
  }

  async readSamples(run: RunKey): Promise<SampleRecord[]> {
    const lines = this.runs.get(runPath(run))?.samples ?? [];
    return parseSampleLines(lines.join('\n'), `${this.describe(run)}/${run.runId}`, this.opts.warn);
  }

  async lockRun(run: RunKey): Promise<RunLock> {
    const key = runPath(run);
    const held = this.locks.get(key);
    if (held) {
      throw new TemporalCIError('RUN_LOCKED', `run ${run.runId} is locked by ${describeHolder(held)}`, {
        hint: 'another session is writing this run; wait for it to end',
      });
    }
    const holder: LockHolder = {
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      token: `${key}@${Date.now()}`,
    };
    this.locks.set(key, holder);
    return {
      holder: describeHolder(holder),
      release: async () => {
        if (this.locks.get(key) === holder) this.locks.delete(key);
      },
    };
  }

  // ---- ArtifactStore ------------------------------------------------------------------------------------

  localPath(_key: ArtifactKey): null {
    return null;
  }

  /** Like a rename into the store, the local file is gone afterwards. */
  async put(key: ArtifactKey, localFile: string): Promise<void> {
    const name = logicalPath(key);
    this.artifacts.set(name, await fs.readFile(localFile));
    await fs.rm(localFile, { force: true });
  }

  async putText(key: ArtifactKey, text: string): Promise<void> {
    this.artifacts.set(logicalPath(key), Buffer.from(text));
  }

  async fetchTo(key: ArtifactKey, localFile: string): Promise<void> {
    const data = this.artifacts.get(logicalPath(key));
    if (data === undefined) {
      throw new TemporalCIError('RUN_NOT_FOUND', `run ${key.run.runId} has no artifact ${key.name}`, {
        hint: 'it may not have been kept (artifacts.video) or been pruned',
      });
    }
    await fs.mkdir(path.dirname(path.resolve(localFile)), { recursive: true });
    await fs.writeFile(localFile, data);
  }

  /** True for an artifact, or for a folder of them (as a folder exists on disk). */
  async exists(key: ArtifactKey): Promise<boolean> {
    const name = logicalPath(key);
    if (this.artifacts.has(name)) return true;
    return [...this.artifacts.keys()].some((k) => k.startsWith(`${name}/`));
  }

  async remove(key: ArtifactKey): Promise<void> {
    const name = logicalPath(key);
    for (const k of [...this.artifacts.keys()])
      if (k === name || k.startsWith(`${name}/`)) this.artifacts.delete(k);
  }

  async removePrefix(run: RunKey, prefix: string): Promise<void> {
    const { dir, start } = artifactPrefix(prefix);
    const base = [runPath(run), ...(dir ? [dir] : [])].join('/');
    for (const k of [...this.artifacts.keys()]) {
      if (k.startsWith(`${base}/`) && k.slice(base.length + 1).startsWith(start)) this.artifacts.delete(k);
    }
  }

  async url(key: ArtifactKey, from?: ArtifactKey): Promise<string> {
    const to = logicalPath(key);
    if (from === undefined) return `memory:///${to.split('/').map(encodeURIComponent).join('/')}`;
    return relativeUrl(logicalPath(from), to);
  }

  async runBytes(run: RunKey): Promise<number> {
    const key = runPath(run);
    const r = this.runs.get(key);
    let total = (r?.record?.length ?? 0) + (r?.state?.length ?? 0);
    for (const line of r?.samples ?? []) total += line.length + 1;
    for (const [k, v] of this.artifacts) if (k.startsWith(`${key}/`)) total += v.length;
    return total;
  }
}
