import { TemporalCIError } from '../../errors.js';
import { readTextFile } from '../../platform/fs.js';
import { commentSamples, type PosterLink, type PrCommentRun } from '../../report/pr-comment.js';
import { checkStored, RUN_RECORD_FILE } from '../../schema/readers.js';
import type { RunRecord } from '../../schema/run.js';
import { logicalPath } from '../../store/artifact-names.js';
import type { RunKey } from '../../store/types.js';

/**
 * `pr-comment --results FILE`: the runs of a `temporalci run --output-json FILE`, for a fleet run
 * (`--coordinator-url`) whose records are in the fleet's store, not in the local artifacts folder.
 */

export function keyOf(rec: RunRecord): RunKey {
  return { project: rec.project, suite: rec.suite_name, model: rec.model_name, runId: rec.run_id };
}

/** The run records in the file; a model the fleet could not run (no record) is skipped. */
export async function readResults(file: string): Promise<RunRecord[]> {
  const bad = (why: string) =>
    new TemporalCIError('USAGE', `--results ${file} ${why}`, {
      hint: 'pass the file `temporalci run --output-json FILE` wrote',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readTextFile(file));
  } catch (e) {
    throw bad(`cannot be read as JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const runs = (parsed as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) throw bad('has no "runs" list');
  return runs.flatMap((r) => {
    const rec = checkStored(RUN_RECORD_FILE, r);
    return rec === null ? [] : [rec];
  });
}

/**
 * A run kept only in the fleet store: no report page or thumbnails exist, so each listed sample links its
 * video where --report-url serves the store (the store keeps `<project>/<suite>/<model>/<run id>/<name>`).
 */
export function fleetRun(rec: RunRecord, reportUrl: string | undefined, top: number): PrCommentRun {
  const posters = new Map<string, PosterLink>();
  const base = reportUrl?.replace(/\/+$/, '');
  for (const { sample } of commentSamples(rec, null, top)) {
    if (base === undefined || !sample.video_path || !sample.retained) continue;
    const at = logicalPath({ run: keyOf(rec), name: sample.video_path });
    posters.set(sample.sample_id, { video: `${base}/${at.split('/').map(encodeURIComponent).join('/')}` });
  }
  return { record: rec, baseline: null, report: null, posters };
}
