import { rankSamples } from '../gates/ranking.js';
import type { MeasuredRun } from '../schema/measured.js';
import type { RunStatus, SampleRecord } from '../schema/run.js';
import type { ArtifactsConfig, GateConfig } from '../schema/suite.js';

/**
 * Which sample videos to keep, most worth keeping first: THE ranking of src/gates/ranking.ts, the same one
 * report.html shows its sample cards in. `max_samples` cuts it, so a capped run still keeps the videos an
 * engineer needs to look at, and the report never leads with a video retention deleted.
 */
export function rankSamplesForRetention(
  samples: readonly SampleRecord[],
  gates: readonly GateConfig[],
  baseline: MeasuredRun | null,
): string[] {
  return rankSamples(samples, gates, baseline?.samples ?? null).map((r) => r.sample.sample_id);
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
