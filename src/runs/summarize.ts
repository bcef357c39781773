import type { MetricDefinition } from '../metrics/types.js';
import type { MetricSummary, SampleRecord } from '../schema/run.js';
import type { MetricValues } from '../schema/values.js';
import { meanOfValues } from '../store/baseline.js';

/**
 * A metric's run-level summary: the mean of every per-sample leaf over the samples that measured it, merged
 * with the metric's own run-level values (counts and rates that are not a mean).
 */
export function summarizeMetric(
  name: string,
  def: MetricDefinition<Record<string, unknown>>,
  params: Record<string, unknown>,
  samples: readonly SampleRecord[],
): MetricSummary {
  const perSample = samples.map((s) => s.metrics[name]).filter((v): v is MetricValues => v !== undefined);
  const values = meanOfValues(perSample);
  if (def.summarize) Object.assign(values, def.summarize(perSample, params));
  return { values, sample_count: perSample.length };
}
