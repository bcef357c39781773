/**
 * `temporalci pull`: a model's history copied from a fleet's stores (Postgres records, S3 artifacts) into a
 * local artifacts folder, so every local command (report, trend, compare, history, status, tags) works on
 * it offline, exactly as on runs made locally. Runs already in the folder are left as they are: pulling
 * again fetches only what is new. A run is committed (run.json, index entry) only after all its files are
 * in place, so an interrupted pull leaves no half-pulled run in the history.
 */
import type { RunRecord } from '../schema/run.js';
import type { LocalStore } from './local.js';
import type { ArtifactStore, ModelKey, RunKey, RunStore } from './types.js';

export interface PullSource {
  runs: RunStore;
  artifacts: ArtifactStore;
  /** Every artifact name of a run (the S3 store lists them). */
  names(run: RunKey): AsyncIterable<string>;
}

export interface PulledModel {
  model: ModelKey;
  pulled: string[];
  present: number;
  files: number;
  tags: string[];
}

export async function pullModel(
  from: PullSource,
  to: LocalStore,
  model: ModelKey,
  onRun: (record: RunRecord, run: RunKey) => Promise<void> = async () => {},
): Promise<PulledModel> {
  const here = new Set((await to.index(model)).map((e) => e.run_id));
  const result: PulledModel = { model, pulled: [], present: 0, files: 0, tags: [] };
  for (const entry of await from.runs.index(model)) {
    if (here.has(entry.run_id)) {
      result.present++;
      continue;
    }
    const run: RunKey = { ...model, runId: entry.run_id };
    const record = await from.runs.readRun(run);
    for await (const name of from.names(run)) {
      await from.artifacts.fetchTo({ run, name }, to.localPath({ run, name }));
      result.files++;
    }
    await to.commitRun(record);
    await onRun(record, run);
    result.pulled.push(entry.run_id);
    here.add(entry.run_id);
  }
  for (const [name, runId] of Object.entries(await from.runs.tags(model))) {
    if (!here.has(runId)) continue;
    await to.setTag(model, name, runId);
    result.tags.push(name);
  }
  return result;
}
