import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import type { IndexEntry } from '../schema/files.js';
import { loadIndex, readTags, type Warn, writeIndex } from './local.js';

/**
 * Deletes old runs of one model, keeping the newest `keepLast`, every tagged run, and the run a
 * `latest_pass` baseline would pick now (the newest PASS), so the next run still has its baseline and the
 * reports that link to its videos keep working. Also kept: any run that a kept run names as its baseline,
 * for the same reason. index.json is rewritten without the deleted runs (after deleting, so a crash leaves
 * entries whose folders are gone, which loadIndex's readers report, never folders missing from the index).
 */

export interface PruneResult {
  kept: string[];
  deleted: string[];
  /** Why each protected run older than the cut was kept. */
  protectedRuns: Record<string, string>;
  bytes: number;
  dryRun: boolean;
}

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await sizeOf(p);
    else total += (await fs.stat(p).catch(() => null))?.size ?? 0;
  }
  return total;
}

async function baselineOf(modelRoot: string, runId: string): Promise<string | null> {
  try {
    const rec = JSON.parse(await fs.readFile(path.join(modelRoot, runId, 'run.json'), 'utf8')) as {
      baseline?: { run_id?: unknown };
    };
    return typeof rec.baseline?.run_id === 'string' ? rec.baseline.run_id : null;
  } catch {
    return null;
  }
}

export async function pruneRuns(
  modelRoot: string,
  keepLast: number,
  opts: { dryRun: boolean; warn: Warn },
): Promise<PruneResult> {
  if (!Number.isInteger(keepLast) || keepLast < 1) {
    throw new TemporalCIError('USAGE', `--keep-last must be at least 1, got ${keepLast}`, {
      hint: 'e.g. --keep-last 20',
    });
  }
  const entries = await loadIndex(modelRoot, opts.warn);
  const tags = await readTags(modelRoot);
  const protectedRuns: Record<string, string> = {};
  for (const [name, id] of Object.entries(tags)) protectedRuns[id] = `tagged ${name}`;
  const latestPass = [...entries].reverse().find((e) => e.status === 'PASS');
  if (latestPass) protectedRuns[latestPass.run_id] ??= 'current latest_pass baseline';
  const recent = entries.slice(-keepLast);
  for (const e of [...recent, ...entries.filter((x) => protectedRuns[x.run_id])]) {
    const b = await baselineOf(modelRoot, e.run_id);
    if (b && !recent.some((r) => r.run_id === b)) protectedRuns[b] ??= `baseline of kept run ${e.run_id}`;
  }
  const keep = (e: IndexEntry) => recent.includes(e) || protectedRuns[e.run_id] !== undefined;
  const kept = entries.filter(keep);
  const doomed = entries.filter((e) => !keep(e));
  let bytes = 0;
  for (const e of doomed) {
    const dir = path.join(modelRoot, e.run_id);
    bytes += await sizeOf(dir);
    if (!opts.dryRun) await fs.rm(dir, { recursive: true, force: true });
  }
  if (!opts.dryRun && doomed.length) await writeIndex(modelRoot, kept);
  const older = Object.fromEntries(
    Object.entries(protectedRuns).filter(([id]) => !recent.some((r) => r.run_id === id)),
  );
  return {
    kept: kept.map((e) => e.run_id),
    deleted: doomed.map((e) => e.run_id),
    protectedRuns: older,
    bytes,
    dryRun: opts.dryRun,
  };
}
