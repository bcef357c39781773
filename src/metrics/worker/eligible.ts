import { loadedMetric } from '../registry.js';
import type { MetricDefinition } from '../types.js';

/**
 * Metrics whose accumulators are pure functions of (params, frames, plain sample context): they can be
 * re-created in a worker thread from their registry name and give the same values there. Not listed: model
 * metrics (safety_t2v loads tfjs once per process and is cheaper to keep there), sample-level metrics that
 * read no pixels, and run-level judges.
 */
const OFF_THREAD = new Map<string, number>([
  // Relative cost: approximate in-thread ms/frame at 512x512 from `npm run bench -- measure`,
  // used to balance one sample's metrics over several workers. Only the proportions matter.
  ['colorfulness', 0.4],
  ['dynamic_degree', 0.5],
  ['exposure', 0.2],
  ['frame_consistency', 1.9],
  ['freeze_ratio', 1.7],
  ['psnr', 1.4],
  ['scene_cuts', 3.0],
  ['scene_score', 1.6],
  ['sharpness', 0.8],
  ['si', 3.0],
  ['ssim', 0.6],
  ['ti', 1.4],
  ['vbench_temporal', 8.5],
  ['vmaf_motion', 4.2],
  ['warping_error', 5.5],
]);

/** The metrics a worker thread may be asked to run (it imports them before it reads a message). */
export function offThreadMetricNames(): string[] {
  return [...OFF_THREAD.keys()];
}

/** Relative per-frame cost of an off-thread metric (1 for a name without a measurement). */
export function offThreadCost(registryName: string): number {
  return OFF_THREAD.get(registryName) ?? 1;
}

/**
 * Reference tests keep every metric in-thread: full-reference metrics read the truth stream, which is
 * decoded in lockstep on the measuring thread.
 */
export function runsOffThread(
  def: MetricDefinition<Record<string, unknown>>,
  hasReference: boolean,
): boolean {
  return !hasReference && OFF_THREAD.has(def.name) && loadedMetric(def.name) === def;
}
