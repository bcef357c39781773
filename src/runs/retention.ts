import { compareValues, directionOf } from '../gates/compare.js';
import { splitMetricPath } from '../gates/evaluate.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { RunStatus, SampleRecord } from '../schema/run.js';
import type { ArtifactsConfig, GateConfig } from '../schema/suite.js';
import { getLeaf } from '../schema/values.js';

/**
 * Which sample videos to keep. The interesting ones come first: samples that fail a gate on their own
 * values, then the worst regressed against their baseline sample, then the rest in plan order. `max_samples`
 * cuts that ranking, so a capped run still keeps the videos an engineer needs to look at.
 */
export function rankSamplesForRetention(
  samples: readonly SampleRecord[],
  gates: readonly GateConfig[],
  baseline: MeasuredRun | null,
): string[] {
  const baseById = new Map(baseline?.samples.map((s) => [s.sample_id, s]) ?? []);
  const scored = samples.map((s, order) => {
    let failing = 0;
    let worstDrop = 0;
    for (const gate of gates) {
      const { metric, leaf } = splitMetricPath(gate.metric);
      const v = getLeaf(s.metrics[metric], leaf);
      if (typeof v !== 'number') continue;
      if (!compareValues(v, gate.op, gate.value)) failing++;
      const dir = directionOf(gate.op);
      const b = getLeaf(baseById.get(s.sample_id)?.metrics[metric], leaf);
      if (dir && typeof b === 'number') {
        const drop = dir === 'higher_is_better' ? b - v : v - b;
        const rel = drop / Math.max(Math.abs(b), 1e-9);
        worstDrop = Math.max(worstDrop, rel);
      }
    }
    return { id: s.sample_id, failing, worstDrop, order };
  });
  scored.sort((a, b) => b.failing - a.failing || b.worstDrop - a.worstDrop || a.order - b.order);
  return scored.map((s) => s.id);
}

export function samplesToRetain(
  policy: ArtifactsConfig,
  status: RunStatus,
  ranked: readonly string[],
): Set<string> {
  if (policy.video === 'none') return new Set();
  if (policy.video === 'failures_only' && status === 'PASS') return new Set();
  const limit = policy.max_samples ?? ranked.length;
  return new Set(ranked.slice(0, limit));
}
