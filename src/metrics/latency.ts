import { TemporalCIError } from '../errors.js';
import type { MetricValues } from '../schema/values.js';
import { percentile } from '../stats/aggregate.js';
import { type LatencyParams, latencyMeta, type SUMMARY_STATS } from './latency.meta.js';
import type { MetricAccumulator, MetricDefinition, SampleContext } from './types.js';

/**
 * Wall time the adapter took to produce the sample (all attempts, retries and backoff included: that is
 * what the CI job waits for). Per sample it is `generate_s`, gated with any aggregate
 * (`aggregate: p90`); the run summary replaces the plain mean with `generate_s.{mean,p50,p95,max}` so that
 * `latency.generate_s.p95 <= 45` works without a p95 gate aggregate.
 */
export const latency: MetricDefinition<LatencyParams> = {
  ...latencyMeta,
  create(_params: LatencyParams, ctx: SampleContext): MetricAccumulator {
    const seconds = ctx.timings.generate;
    return {
      push: () => undefined,
      finish: (): MetricValues => {
        if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
          throw new TemporalCIError(
            'METRIC_FAILED',
            `latency: no generate timing for sample ${ctx.sampleId}`,
            {
              hint: 'this is a bug in the engine: the generate stage is always timed',
            },
          );
        }
        return { generate_s: seconds };
      },
    };
  },
  summarize(perSample: MetricValues[]): MetricValues {
    const values = perSample.map((v) => v.generate_s).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) return {};
    const stats: Record<(typeof SUMMARY_STATS)[number], number> = {
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      p50: percentile(values, 0.5),
      p95: percentile(values, 0.95),
      max: values.reduce((a, b) => Math.max(a, b)), // no spread: 10^5+ samples overflow the stack
    };
    return { generate_s: stats };
  },
};
