import { z } from 'zod';
import type { MetricMeta } from './types.js';

/** Run-level statistics of `generate_s`; gates read them as `latency.generate_s.p95` and so on. */
export const SUMMARY_STATS = ['mean', 'p50', 'p95', 'max'] as const;

const paramsSchema = z.object({}).strict();
export type LatencyParams = z.output<typeof paramsSchema>;

export const latencyMeta: MetricMeta<LatencyParams> = {
  name: 'latency',
  description: 'generation wall time per sample (generate_s), with p50/p95/max over the run',
  params: paramsSchema,
  paths: () => ['generate_s'],
  summaryPaths: () => SUMMARY_STATS.map((s) => `generate_s.${s}`),
  higherIsBetter: () => false,
  readsPixels: false,
};
