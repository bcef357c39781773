import { TemporalCIError } from '../../errors.js';
import type { IndexEntry, RunState } from '../../schema/files.js';
import { parseStored, RUN_RECORD_FILE, RUN_STATE_FILE } from '../../schema/readers.js';
import type { RunRecord, SampleRecord } from '../../schema/run.js';
import { checkTagName, isRunIdSafe } from '../model-folder.js';
import { safeSegment } from '../paths.js';
import { parseSampleLines } from '../run-files.js';
import {
  type IndexRepair,
  type ModelKey,
  type RunKey,
  type RunLock,
  type RunStore,
  runKeyOf,
  type Warn,
} from '../types.js';
import type { Database } from './connection.js';
import { lockRunInDatabase } from './run-lock.js';

/**
 * The RunStore in Postgres (schema in schema-v1.ts): what a fleet's coordinators share, so every replica
 * sees the same history, tags and baselines. Each write is one statement or one transaction, so concurrent
 * writers on any number of machines never lose each other's rows. Names are checked as LocalStore checks
 * them, so a run kept here can be pulled into a local folder unchanged. Artifacts are not kept here: see
 * paired.ts, which joins this store with an ArtifactStore.
 *
 * Records are jsonb: keys come back in jsonb's order, not the writer's (the contract compares values).
 */

/**
 * The JSON text to store as jsonb. Postgres refuses U+0000 in jsonb strings, and a NUL byte does reach
 * records (an adapter's log tail): it is kept as U+FFFD rather than losing the whole record. Only a real
 * `\u0000` escape is replaced (preceded by an even number of backslashes), never the text "\u0000".
 */
function jsonbText(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}

const MODEL_WHERE = 'project = $1 and suite = $2 and model = $3';
const RUN_WHERE = `${MODEL_WHERE} and run_id = $4`;
const byRunId = (a: { run_id: string }, b: { run_id: string }) => a.run_id.localeCompare(b.run_id);

function modelParams(m: ModelKey): string[] {
  return [
    safeSegment(m.project, 'project'),
    safeSegment(m.suite, 'suite_name'),
    safeSegment(m.model, 'model name'),
  ];
}

function runParams(r: RunKey): string[] {
  if (!isRunIdSafe(r.runId)) {
    throw new TemporalCIError('PATH_UNSAFE', `run id "${r.runId}" cannot be used as a folder name`, {
      hint: 'pick a run id from `temporalci history --model-root ...`',
    });
  }
  return [...modelParams(r), r.runId];
}

export class PostgresRunStore implements RunStore {
  constructor(
    private readonly db: Database,
    private readonly opts: { warn: Warn },
  ) {}

  describe(model: ModelKey): string {
    return `${this.db.shown}#${modelParams(model).join('/')}`;
  }

  locate(run: RunKey): string {
    return `${this.db.shown}#${runParams(run).join('/')}`;
  }

  async listModels(project: string, suite: string): Promise<ModelKey[]> {
    const r = await this.db.query<{ model: string }>(
      'select distinct model from runs where project = $1 and suite = $2',
      [safeSegment(project, 'project'), safeSegment(suite, 'suite_name')],
    );
    return r.rows
      .map((row) => row.model)
      .sort((a, b) => a.localeCompare(b))
      .map((model) => ({ project, suite, model }));
  }

  /** Oldest first. Nothing to repair on reading: each entry is generated from its record, in the same row. */
  async index(model: ModelKey): Promise<IndexEntry[]> {
    const r = await this.db.query<IndexEntry>(
      `select run_id, timestamp_utc, status, samples_planned, samples_measured, gate_failed, regression_failed
       from runs where ${MODEL_WHERE}`,
      modelParams(model),
    );
    // Sorted here, as the other stores sort, rather than by the database's collation.
    return r.rows.sort(byRunId);
  }

  async readRun(run: RunKey): Promise<RunRecord> {
    const r = await this.db.query<{ record: string }>(
      `select record::text as record from runs where ${RUN_WHERE}`,
      runParams(run),
    );
    const text = r.rows[0]?.record;
    if (text === undefined) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${run.runId}" in ${this.describe(run)}`, {
        hint: 'check the run id; `temporalci history` lists the runs',
      });
    }
    return parseStored(RUN_RECORD_FILE, text, `run.json of ${this.locate(run)}`);
  }

  /** One upsert: the record and its index entry (generated columns) land together or not at all. */
  async commitRun(record: RunRecord): Promise<void> {
    await this.db.query(
      `insert into runs (project, suite, model, run_id, record) values ($1, $2, $3, $4, $5::jsonb)
       on conflict (project, suite, model, run_id) do update set record = excluded.record, committed_at = now()`,
      [...runParams(runKeyOf(record)), jsonbText(record)],
    );
  }

  /** The run's record (with its index entry and the tags naming it), state and samples, in one transaction. */
  async deleteRun(run: RunKey): Promise<void> {
    const p = runParams(run);
    const removed = await this.db.transaction(async (client) => {
      let n = 0;
      for (const table of ['runs', 'run_states', 'run_samples'])
        n += (await client.query(`delete from ${table} where ${RUN_WHERE}`, p)).rowCount ?? 0;
      return n;
    });
    if (removed === 0) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no run "${run.runId}" in ${this.describe(run)}`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    }
  }

  /**
   * Nothing to rebuild: an index entry is generated from its record in the same row, so a record without an
   * entry, or an entry whose run is gone, cannot exist here (the local folder's repair cases).
   */
  async repairIndex(model: ModelKey): Promise<IndexRepair> {
    modelParams(model);
    return { added: [], dropped: [], released: [] };
  }

  async tags(model: ModelKey): Promise<Record<string, string>> {
    const r = await this.db.query<{ name: string; run_id: string }>(
      `select name, run_id from run_tags where ${MODEL_WHERE} order by name`,
      modelParams(model),
    );
    return Object.fromEntries(r.rows.map((row) => [row.name, row.run_id]));
  }

  async setTag(model: ModelKey, name: string, runId: string): Promise<void> {
    checkTagName(name);
    const missing = () =>
      new TemporalCIError('RUN_NOT_FOUND', `no run "${runId}" in ${this.describe(model)}`, {
        hint: 'pick a run id from `temporalci history --model-root ...`',
      });
    if (!isRunIdSafe(runId)) throw missing();
    // The insert reads the run in the same statement; a run deleted by another session between that read and
    // the insert is caught by the foreign key (foreign_key_violation), so a tag never names a deleted run.
    const r = await this.db
      .query(
        `insert into run_tags (project, suite, model, name, run_id)
         select project, suite, model, $5, run_id from runs where ${RUN_WHERE}
         on conflict (project, suite, model, name) do update set run_id = excluded.run_id, tagged_at = now()`,
        [...runParams({ ...model, runId }), name],
      )
      .catch((e: unknown) => Promise.reject((e as { code?: unknown }).code === '23503' ? missing() : e));
    if (r.rowCount === 0) throw missing();
  }

  async deleteTag(model: ModelKey, name: string): Promise<void> {
    const r = await this.db.query(`delete from run_tags where ${MODEL_WHERE} and name = $4`, [
      ...modelParams(model),
      name,
    ]);
    if (r.rowCount === 0) {
      throw new TemporalCIError('RUN_NOT_FOUND', `no tag "${name}" in ${this.describe(model)}`, {
        hint: 'list tags with `temporalci tag list`',
      });
    }
  }

  async writeState(run: RunKey, state: RunState): Promise<void> {
    await this.db.query(
      `insert into run_states (project, suite, model, run_id, state) values ($1, $2, $3, $4, $5::jsonb)
       on conflict (project, suite, model, run_id) do update set state = excluded.state, written_at = now()`,
      [...runParams(run), jsonbText(state)],
    );
  }

  async readState(run: RunKey): Promise<RunState> {
    const r = await this.db.query<{ state: string }>(
      `select state::text as state from run_states where ${RUN_WHERE}`,
      runParams(run),
    );
    const text = r.rows[0]?.state;
    if (text === undefined) {
      throw new TemporalCIError('RUN_NOT_FOUND', `cannot resume ${this.locate(run)}: no state`, {
        hint: 'pass the run printed as "run dir:" by the interrupted run',
      });
    }
    return parseStored(RUN_STATE_FILE, text, `state of ${this.locate(run)}`);
  }

  /** A sample appended again (a retried or resumed sample) replaces the earlier copy and keeps its place. */
  async appendSample(run: RunKey, sample: SampleRecord): Promise<void> {
    await this.db.query(
      `insert into run_samples (project, suite, model, run_id, sample_id, record) values ($1, $2, $3, $4, $5, $6::jsonb)
       on conflict (project, suite, model, run_id, sample_id) do update set record = excluded.record, appended_at = now()`,
      [...runParams(run), sample.sample_id, jsonbText(sample)],
    );
  }

  async readSamples(run: RunKey): Promise<SampleRecord[]> {
    const r = await this.db.query<{ record: string }>(
      `select record::text as record from run_samples where ${RUN_WHERE} order by seq`,
      runParams(run),
    );
    // jsonb's text form is one line, so the sample log's reader (which skips invalid entries) applies as is.
    return parseSampleLines(r.rows.map((row) => row.record).join('\n'), this.locate(run), this.opts.warn);
  }

  lockRun(run: RunKey): Promise<RunLock> {
    runParams(run);
    return lockRunInDatabase(this.db, run, this.opts.warn);
  }

  /** Bytes of the run's records as JSON text (record, state, samples), for `prune`'s account. */
  async recordBytes(run: RunKey): Promise<number> {
    const sizes = ['runs', 'run_states', 'run_samples'].map(
      (table) =>
        `(select coalesce(sum(octet_length(${table === 'run_states' ? 'state' : 'record'}::text)), 0) from ${table} where ${RUN_WHERE})`,
    );
    const r = await this.db.query<{ bytes: number }>(
      `select (${sizes.join(' + ')})::float8 as bytes`,
      runParams(run),
    );
    return r.rows[0]?.bytes ?? 0;
  }
}
