import { findMetric } from '../registry.js';
import type { MetricDefinition } from '../types.js';

/**
 * Metrics whose accumulators are pure functions of (params, frames, plain sample context): they can be
 * re-created in a worker thread from their registry name and give the same values there. Not listed: model
 * metrics (safety_t2v loads tfjs once per process and is cheaper to keep there), sample-level metrics that
 * read no pixels, and run-level judges.
 */
const OFF_THREAD = new Set([
  'colorfulness',
  'dynamic_degree',
  'exposure',
  'frame_consistency',
  'freeze_ratio',
  'psnr',
  'scene_cuts',
  'scene_score',
  'sharpness',
  'si',
  'ssim',
  'ti',
  'vbench_temporal',
  'vmaf_motion',
  'warping_error',
]);

/**
 * Reference tests keep every metric in-thread: full-reference metrics read the truth stream, which is
 * decoded in lockstep on the measuring thread.
 */
export function runsOffThread(
  def: MetricDefinition<Record<string, unknown>>,
  hasReference: boolean,
): boolean {
  return !hasReference && OFF_THREAD.has(def.name) && findMetric(def.name) === def;
}
