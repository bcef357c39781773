import path from 'node:path';
import type { RunRecord, SampleRecord } from '../schema/run.js';
import { within } from '../store/paths.js';
import { flaggedSamples } from './safety-data.js';
import { exists, ThumbCache } from './thumbs.js';

/**
 * The poster frames the PR comment shows: the same files report.html uses for its candidate videos
 * (`thumbs/<sample>-cand-poster.jpg`, made by ThumbCache), written now when the report did not make one
 * (a sample below its top N, or `--no-report`). A sample flagged unsafe gets the blurred poster, as in the
 * report, unless the suite chose to show flagged samples unblurred.
 */

export interface PosterFiles {
  /** Poster file of each sample that has one, relative to the run folder (`thumbs/…-poster.jpg`). */
  posters: Map<string, string>;
  /** Why some posters could not be made (a deleted video, ffmpeg failing). */
  warnings: string[];
}

export async function posterFiles(
  runDir: string,
  rec: RunRecord,
  samples: readonly SampleRecord[],
  signal?: AbortSignal,
): Promise<PosterFiles> {
  const warnings: string[] = [];
  const thumbs = new ThumbCache(runDir, warnings, signal);
  const flagged = flaggedSamples(rec);
  const showUnblurred = rec.artifacts?.show_flagged_unblurred === true;
  const posters = new Map<string, string>();
  for (const s of samples) {
    if (!s.video_path || !s.retained) continue;
    const video = within(runDir, s.video_path);
    if (!(await exists(video))) continue;
    const blur = flagged.has(s.sample_id) && !showUnblurred;
    const name = `${s.sample_id}-cand${blur ? '-blur' : ''}`;
    const written = `thumbs/${name}-poster.jpg`;
    if (await exists(within(runDir, ...written.split('/')))) {
      posters.set(s.sample_id, written);
      continue;
    }
    const made = await thumbs.get(video, s, `${s.sample_id}-cand`, blur);
    if (made.poster !== null) posters.set(s.sample_id, made.poster.split(path.sep).join('/'));
  }
  return { posters, warnings };
}
