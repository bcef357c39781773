import { describeError, TemporalCIError } from '../errors.js';
import type { IndexEntry } from '../schema/files.js';
import { isRunIdSafe } from './model-folder.js';
import type { ArtifactStore, ModelKey, RunStore, Warn } from './types.js';

/**
 * Deletes old runs of one model, keeping the newest `keepLast`, every tagged run, and the run a
 * `latest_pass` baseline would pick now (the newest PASS), so the next run still has its baseline and the
 * reports that link to its videos keep working. Also kept: any run that a kept run names as its baseline,
 * for the same reason. Each run is deleted through the store, which removes its record before its index
 * entry, so a prune cut short never leaves a folder that the repair pass would bring back.
 */

export interface PruneResult {
  kept: string[];
  deleted: string[];
  /** Why each protected run older than the cut was kept. */
  protectedRuns: Record<string, string>;
  bytes: number;
  dryRun: boolean;
}

export type PruneStore = Pick<RunStore, 'index' | 'tags' | 'readRun' | 'deleteRun'> &
  Pick<ArtifactStore, 'runBytes'>;

export async function pruneRuns(
  store: PruneStore,
  model: ModelKey,
  keepLast: number,
  opts: { dryRun: boolean; warn: Warn },
): Promise<PruneResult> {
  if (!Number.isInteger(keepLast) || keepLast < 1) {
    throw new TemporalCIError('USAGE', `--keep-last must be at least 1, got ${keepLast}`, {
      hint: 'e.g. --keep-last 20',
    });
  }
  const entries = await store.index(model);
  const tags = await store.tags(model);
  const protectedRuns: Record<string, string> = {};
  for (const [name, id] of Object.entries(tags)) protectedRuns[id] = `tagged ${name}`;
  const latestPass = [...entries].reverse().find((e) => e.status === 'PASS');
  if (latestPass) protectedRuns[latestPass.run_id] ??= 'current latest_pass baseline';
  const recent = entries.slice(-keepLast);
  const isRecent = (id: string) => recent.some((r) => r.run_id === id);
  for (const e of [...recent, ...entries.filter((x) => protectedRuns[x.run_id])]) {
    let baseline: string | null;
    try {
      baseline = (await store.readRun({ ...model, runId: e.run_id })).baseline.run_id;
    } catch (err) {
      opts.warn(
        `cannot tell which run ${e.run_id} uses as its baseline (${describeError(err)}); none kept for it`,
      );
      continue;
    }
    // A rolling baseline (`rolling:N(a..b)`) is a mean, not a run folder to keep.
    if (baseline && isRunIdSafe(baseline) && !isRecent(baseline))
      protectedRuns[baseline] ??= `baseline of kept run ${e.run_id}`;
  }
  const keep = (e: IndexEntry) => isRecent(e.run_id) || protectedRuns[e.run_id] !== undefined;
  const kept = entries.filter(keep);
  const doomed = entries.filter((e) => !keep(e));
  let bytes = 0;
  for (const e of doomed) {
    const run = { ...model, runId: e.run_id };
    bytes += await store.runBytes(run);
    if (!opts.dryRun) await store.deleteRun(run);
  }
  const older = Object.fromEntries(Object.entries(protectedRuns).filter(([id]) => !isRecent(id)));
  return {
    kept: kept.map((e) => e.run_id),
    deleted: doomed.map((e) => e.run_id),
    protectedRuns: older,
    bytes,
    dryRun: opts.dryRun,
  };
}
